"""The database extension, and whether the schema is the one this code expects."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
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


@contextmanager
def autocommit_connection() -> Iterator[psycopg.Connection]:
    """Lend a pooled psycopg connection in autocommit mode: each statement is its own
    transaction, committed in one round trip with no BEGIN or COMMIT.

    For the webhook's hot path, where SQLAlchemy's per-execution work costs more than the
    statement. A connection that raised is discarded rather than returned to the pool; one
    the server dropped means the server restarted, so every idle connection goes too (as
    SQLAlchemy does when it sees a disconnect).
    """
    pooled = db.engine.raw_connection()
    connection = pooled.driver_connection
    assert isinstance(connection, psycopg.Connection)
    try:
        connection.autocommit = True
        yield connection
        connection.autocommit = False
    except BaseException:
        pooled.invalidate()
        if connection.broken:
            db.engine.dispose()
        raise
    finally:
        pooled.close()
