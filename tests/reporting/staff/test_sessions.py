"""A staff session ends on the server: a cookie saved before logout, a password change,
a role change or disabling no longer signs anyone in, in this browser or another."""

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from reporting import accounts
from reporting.db import db
from reporting.models import StaffUser
from tests.conftest import AppFactory
from tests.reporting.staff_browser import PASSWORD
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form

USERS = "/staff/admin/users"


@pytest.fixture
def app(fresh_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_db_url)
    add_user(application, "admin", "admin")
    add_user(application, "boss", "admin")
    return application


def saved_session(app: Flask, login: str) -> tuple[FlaskClient, str, str]:
    """Sign in; return the client, its session cookie as saved now, and a form's CSRF token."""
    client = app.test_client()
    assert log_in(client, login).status_code == 302
    token = csrf_token(client.get(USERS).text)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return client, cookie.value, token


def replay(app: Flask, cookie: str, token: str) -> tuple[int, str, int]:
    """From another browser with the saved cookie: a page, then a staff POST (a new account)."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    page = other.get(USERS)
    post = other.post(
        USERS,
        data={"login": "intruder", "password": PASSWORD, "role": "admin", "csrf_token": token},
    )
    with app.app_context():
        created = db.session.scalar(
            select(func.count()).select_from(StaffUser).where(StaffUser.login == "intruder")
        )
    assert post.status_code == 302
    return page.status_code, page.headers.get("Location", ""), int(created or 0)


def change(app: Flask, what: Callable[[StaffUser], None]) -> None:
    with app.app_context():
        what(accounts.find(db.session(), "admin"))
        db.session.commit()


def test_the_saved_cookie_works_until_something_ends_it(app: Flask) -> None:
    _client, cookie, token = saved_session(app, "admin")
    other = app.test_client()
    other.set_cookie("session", cookie)
    assert other.get(USERS).status_code == 200


def test_a_cookie_saved_before_logout_is_sent_to_login(app: Flask) -> None:
    client, cookie, token = saved_session(app, "admin")
    post_form(client, "/staff/logout", page=USERS)
    status, location, created = replay(app, cookie, token)
    assert (status, created) == (302, 0)
    assert location.startswith("/staff/login")


def test_a_cookie_saved_before_a_password_change_is_sent_to_login(app: Flask) -> None:
    _client, cookie, token = saved_session(app, "admin")
    change(app, lambda u: accounts.set_password(db.session(), None, u, "a new long password"))
    status, location, created = replay(app, cookie, token)
    assert (status, created) == (302, 0)
    assert location.startswith("/staff/login")


def test_disabling_and_enabling_does_not_revive_old_cookies(app: Flask) -> None:
    _client, cookie, token = saved_session(app, "admin")
    boss, _, _ = saved_session(app, "boss")
    admin_id = accounts_id(app, "admin")
    post_form(boss, f"{USERS}/{admin_id}/disable", page=USERS)
    assert replay(app, cookie, token)[:2] == (302, "/staff/login?next=%2Fstaff%2Fadmin%2Fusers")
    post_form(boss, f"{USERS}/{admin_id}/enable", page=USERS)
    status, location, created = replay(app, cookie, token)
    assert (status, created) == (302, 0)
    # Signing in again works, with a new cookie.
    assert log_in(app.test_client(), "admin").status_code == 302


def test_a_role_change_ends_the_session(app: Flask) -> None:
    _client, cookie, token = saved_session(app, "admin")
    change(app, lambda u: accounts.set_role(db.session(), None, u, "viewer"))
    assert replay(app, cookie, token)[0] == 302


def accounts_id(app: Flask, login: str) -> int:
    with app.app_context():
        return accounts.find(db.session(), login).id


def test_two_admins_disabling_each_other_at_once_leave_one(app: Flask) -> None:
    """The first holds its transaction open; the second waits on the row lock, then is refused."""
    admin_id, boss_id = accounts_id(app, "admin"), accounts_id(app, "boss")
    outcome: dict[str, str] = {}

    with app.app_context():
        session = db.session()
        accounts.disable_user(session, admin_id, session.get(StaffUser, boss_id))
        session.flush()

        def second() -> None:
            with app.app_context():
                other = db.session()
                try:
                    accounts.disable_user(other, boss_id, other.get(StaffUser, admin_id))
                    other.commit()
                    outcome["second"] = "disabled"
                except accounts.LastAdmin:
                    other.rollback()
                    outcome["second"] = "refused: last admin"

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1.0)
        # Still waiting for the first transaction's row lock.
        assert thread.is_alive()
        session.commit()
        thread.join(30)
    assert outcome == {"second": "refused: last admin"}
    with app.app_context():
        active = db.session.scalars(
            select(StaffUser.login).where(StaffUser.role == "admin", StaffUser.active)
        ).all()
    assert active == ["admin"]
