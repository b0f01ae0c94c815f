"""The admins' API token page: a token made there is shown once and works; revoked, it stops."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporting.db import db
from reporting.models import ApiToken
from reporting.models import StaffAudit
from tests.conftest import AppFactory
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form

PAGE = "/staff/admin/tokens/"


@pytest.fixture
def app(areas_db_url: str, fresh_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(fresh_db_url)


def signed_in(app: Flask, login: str, role: str) -> FlaskClient:
    add_user(app, login, role)
    client = app.test_client()
    assert log_in(client, login).status_code == 302
    return client


def test_an_admin_makes_a_token_that_reads_the_api_then_revokes_it(app: Flask) -> None:
    admin = signed_in(app, "chief", "admin")
    made = post_form(admin, PAGE, {"name": "qgis-team", "scope": "read"}, page=PAGE)
    assert made.status_code == 201
    assert made.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="new-token">(tsuho_[^<]+)</code>', made.text).group(1)
    assert token not in admin.get(PAGE).text  # shown once
    reader = app.test_client()
    assert (
        reader.get("/ogc/collections", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    with app.app_context():
        record = db.session.scalar(select(ApiToken).where(ApiToken.name == "qgis-team"))
        assert record is not None and record.scope == "read" and record.token_hash != token
    again = post_form(admin, PAGE, {"name": "qgis-team", "scope": "read"}, page=PAGE)
    assert again.status_code == 422 and "有効なトークン" in again.text
    revoked = post_form(admin, f"{PAGE}qgis-team/revoke", page=PAGE)
    assert revoked.status_code == 302
    assert (
        reader.get("/ogc/collections", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    with app.app_context():
        actions = [
            (a.action, a.detail)
            for a in db.session.scalars(select(StaffAudit).order_by(StaffAudit.id))
            if a.action.startswith("token_")
        ]
    assert actions == [
        ("token_created", {"token": "qgis-team", "scope": "read"}),
        ("token_revoked", {"token": "qgis-team"}),
    ]
    page = admin.get("/staff/admin/users")
    assert "APIトークンを作成" in page.text


def test_bad_forms_and_other_roles_are_refused(app: Flask) -> None:
    admin = signed_in(app, "chief", "admin")
    for data in (
        {"name": "", "scope": "read"},
        {"name": "a b", "scope": "read"},
        {"name": "x", "scope": "write"},
    ):
        assert post_form(admin, PAGE, data, page=PAGE).status_code == 422
    missing = post_form(admin, f"{PAGE}nobody/revoke", page=PAGE)
    assert missing.status_code == 302
    assert admin.post(f"{PAGE}", data={"name": "x", "scope": "read"}).status_code == 400  # no CSRF
    staff = signed_in(app, "worker", "staff")
    assert staff.get(PAGE).status_code == 403
    assert app.test_client().get(PAGE).status_code == 302  # to the login page
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None
