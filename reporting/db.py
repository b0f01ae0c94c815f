"""The database extension, and whether the schema is the one this code expects."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection
from sqlalchemy import event

from gis.schema import Base

db = SQLAlchemy(model_class=Base)

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"

# Japan keeps no daylight saving time; PostgreSQL spells the zone so.
TIME_ZONE_NAME = "Asia/Tokyo"
# Every connection, set once when it opens: times written with Japan's offset (+09:00), text
# in UTF-8 (COPY writes exports in the client encoding), and no JIT compilation, which costs
# more than it saves on these row-by-row queries (+1.2 s on a million-row export, 0.4 s on
# the staff map's count over 100,000 reports). Once per connection rather than per
# transaction, so no request pays a round trip for them.
SESSION_SETTINGS = (
    f"SET TIME ZONE '{TIME_ZONE_NAME}'; SET client_encoding = 'UTF8'; SET jit = off"
)


def init_app(app: Flask) -> None:
    """Bind the database extension to the app; its connections open with SESSION_SETTINGS."""
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "connect", _apply_settings)


def _apply_settings(connection: psycopg.Connection, _record: object) -> None:
    autocommit = connection.autocommit
    connection.autocommit = True
    try:
        connection.execute(SESSION_SETTINGS)
    finally:
        connection.autocommit = autocommit


@cache
def head_revisions(migrations_dir: Path = MIGRATIONS_DIR) -> frozenset[str]:
    """Return the head revisions of the migration scripts (read once per process)."""
    return frozenset(ScriptDirectory(str(migrations_dir)).get_heads())


def schema_is_current(connection: Connection) -> bool:
    """Say whether the database has been migrated to the code's head revision."""
    current = MigrationContext.configure(connection).get_current_heads()
    return frozenset(current) == head_revisions()


def without_transaction() -> None:
    """Run this request's statements each on its own, outside a transaction.

    For a request that reads one thing (a single feature): no BEGIN and no ROLLBACK, two of
    its four round trips. Call it before the session's first statement; its statements
    share no snapshot, and a commit hands the session an ordinary connection again.
    """
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


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
