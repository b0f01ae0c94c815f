"""A signed-in admin over each test module's own ``world`` of reports."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AppFactory
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, world: object) -> Flask:
    application = make_app(fresh_areas_db_url)
    add_user(application, "tanaka", "admin")
    return application


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert log_in(client, "tanaka").status_code == 302
    return client
