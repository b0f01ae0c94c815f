"""Liveness and readiness, as an operator's probe sees them."""

from flask import Flask

from tests.conftest import AppFactory
from tests.conftest import Databases


def test_healthz(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_when_migrated(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_readyz_before_migrations(databases: Databases, make_app: AppFactory) -> None:
    name = databases.create()
    response = make_app(databases.url(name)).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "migrations pending"


def test_readyz_when_the_database_is_unreachable(make_app: AppFactory) -> None:
    # Port 9 (discard) has no PostgreSQL behind it on a test machine.
    url = "postgresql+psycopg://postgres@127.0.0.1:9/tsuho"
    app = make_app(url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert app.test_client().get("/healthz").status_code == 200
