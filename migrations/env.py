"""Run migrations against DATABASE_URL, or a connection handed over by the caller."""

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine
from sqlalchemy import pool

import reporting.models  # noqa: F401 - registers every table on the metadata
from gis.schema import Base
from reporting.settings import resolve_database_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

ROOT = Path(__file__).resolve().parents[1]

# Tables other tools own in the same database: PostGIS's own and the job queue's.
FOREIGN_TABLE_PREFIXES = ("spatial_ref_sys", "procrastinate_")


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Compare only what our metadata owns."""
    if type_ == "table" and reflected and compare_to is None:
        if name.startswith(FOREIGN_TABLE_PREFIXES):
            return False
    # Our own indexes on the job queue's tables (its table is not in our metadata either).
    if type_ == "index" and reflected and compare_to is None:
        if obj.table.name.startswith(FOREIGN_TABLE_PREFIXES):
            return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def _configure(**kw) -> None:  # noqa: ANN003
    context.configure(
        target_metadata=target_metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
        **kw,
    )


def _url() -> str:
    url = resolve_database_url(os.environ, ROOT)
    if not url:
        raise SystemExit("DATABASE_URL is not set and no local cluster runs (make run starts one)")
    return url


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
