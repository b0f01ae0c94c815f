"""Fixtures: throwaway PostGIS databases and a real Flask app bound to one."""

import os
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import pool
from sqlalchemy.orm import Session

from app import create_app
from gis.boundaries import BUNDLED_DIR
from gis.boundaries import read_files
from gis.wards import save_areas
from reporting.city_profile import load_profile
from reporting.db import db
from reporting.settings import database_url
from reporting.settings import libpq_url
from tests.object_storage import S3Server
from tests.object_storage import moto_server

ROOT = Path(__file__).resolve().parents[1]


class Databases:
    """Creates and drops databases on the test server, named so a crashed run is recognisable."""

    def __init__(self, server_url: str) -> None:
        self.server_url = libpq_url(database_url(server_url))
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return make_url(database_url(self.server_url)).set(database=name).render_as_string(
            hide_password=False
        )

    def create(self, template: str | None = None) -> str:
        name = f"tsuho_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(query)
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        self.created.remove(name)


def migrate(url: str) -> None:
    """Run ``alembic upgrade head`` on the database, as deployment does."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()


@pytest.fixture(scope="session")
def databases() -> Iterator[Databases]:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.exit("TEST_DATABASE_URL is not set: run the tests with `make test`", returncode=2)
    dbs = Databases(server)
    yield dbs
    for name in list(dbs.created):
        dbs.drop(name)


@pytest.fixture(scope="session")
def migrated_template(databases: Databases) -> str:
    """An empty database at the head revision, copied for tests that need their own."""
    name = databases.create()
    migrate(databases.url(name))
    return name


@pytest.fixture
def fresh_db_url(databases: Databases, migrated_template: str) -> Iterator[str]:
    """A migrated database with no rows, for this test alone."""
    name = databases.create(template=migrated_template)
    yield databases.url(name)
    databases.drop(name)


@pytest.fixture(scope="session")
def areas_template(databases: Databases, migrated_template: str) -> str:
    """A migrated database holding every bundled area, Okayama's service area marked."""
    name = databases.create(template=migrated_template)
    url = databases.url(name)
    engine = create_engine(url, poolclass=pool.NullPool)
    with Session(engine) as session:
        records = read_files(sorted(BUNDLED_DIR.glob("*.geojson")))
        save_areas(session, records, load_profile("okayama").service_area)
        session.commit()
    engine.dispose()
    return name


@pytest.fixture(scope="session")
def areas_db_url(databases: Databases, areas_template: str) -> str:
    """A copy of the areas database shared by tests that only read it.

    A copy, because PostgreSQL copies a template only while nobody is connected to it.
    """
    return databases.url(databases.create(template=areas_template))


@pytest.fixture
def fresh_areas_db_url(databases: Databases, areas_template: str) -> Iterator[str]:
    """A copy of the areas database for this test alone."""
    name = databases.create(template=areas_template)
    yield databases.url(name)
    databases.drop(name)


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[AppFactory]:
    """Create real applications bound to test databases; their pools close after the test."""
    apps: list[Flask] = []

    def make(url: str, **config: object) -> Flask:
        application = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "test-secret",
                "PHOTO_DIR": str(tmp_path / "photos"),
                **config,
            }
        )
        apps.append(application)
        return application

    yield make
    for application in apps:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def app(areas_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(areas_db_url)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server as a separate process, shared by the session (one bucket per test)."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server
