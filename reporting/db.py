"""The database extension, and whether the schema is the one this code expects."""

from functools import cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection

from gis.schema import Base

db = SQLAlchemy(model_class=Base)

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


@cache
def head_revisions(migrations_dir: Path = MIGRATIONS_DIR) -> frozenset[str]:
    """Return the head revisions of the migration scripts (read once per process)."""
    return frozenset(ScriptDirectory(str(migrations_dir)).get_heads())


def schema_is_current(connection: Connection) -> bool:
    """Say whether the database has been migrated to the code's head revision."""
    current = MigrationContext.configure(connection).get_current_heads()
    return frozenset(current) == head_revisions()
