"""Signing in, locking after failed logins, and what each role may do: the domain rules."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from reporting import auth
from reporting.db import db
from reporting.models import STAFF_ROLES
from reporting.models import StaffAudit
from reporting.models import StaffUser
from reporting.staff.auth import local_path
from tests.conftest import AppFactory
from tests.reporting.staff_browser import PASSWORD
from tests.reporting.staff_browser import add_user

NOON = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def app(fresh_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_db_url)
    add_user(application, "tanaka", "staff")
    return application


def attempt(app: Flask, password: str, now: datetime, login: str = "tanaka") -> str:
    """Try to sign in, commit like the view does, and say what happened."""
    with app.app_context():
        try:
            user = auth.authenticate(db.session(), login, password, now)
        except auth.LoginRefused:
            outcome = "refused"
        except auth.AccountLocked as locked:
            outcome = f"locked until {locked.until.isoformat()}"
        else:
            outcome = f"signed in as {user.login}"
        db.session.commit()
        return outcome


def account(app: Flask) -> StaffUser:
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.login == "tanaka"))
        assert user is not None
        db.session.expunge(user)
        return user


def test_the_right_password_signs_in_and_is_recorded(app: Flask) -> None:
    assert attempt(app, "wrong", NOON) == "refused"
    assert attempt(app, PASSWORD, NOON) == "signed in as tanaka"
    user = account(app)
    assert user.last_login_at == NOON
    assert user.failed_logins == 0


def test_five_failures_lock_the_account_for_fifteen_minutes_then_it_opens(app: Flask) -> None:
    for minute in range(auth.MAX_FAILURES):
        assert attempt(app, "wrong", NOON + timedelta(minutes=minute)) == "refused"
    locked_at = NOON + timedelta(minutes=auth.MAX_FAILURES - 1)
    until = locked_at + auth.LOCK_FOR
    # While locked, the right password does not open it either.
    just_before = until - timedelta(seconds=1)
    assert attempt(app, PASSWORD, just_before) == f"locked until {until.isoformat()}"
    assert attempt(app, PASSWORD, until) == "signed in as tanaka"
    assert account(app).locked_until is None


def test_the_lock_is_audited_without_an_actor(app: Flask) -> None:
    for _ in range(auth.MAX_FAILURES):
        attempt(app, "wrong", NOON)
    with app.app_context():
        rows = db.session.execute(
            select(StaffAudit.actor_id, StaffAudit.action, StaffAudit.detail)
        ).all()
    assert rows[-1][:2] == (None, "locked")
    assert rows[-1][2]["failures"] == auth.MAX_FAILURES


def test_failures_after_the_lock_count_from_zero(app: Flask) -> None:
    for _ in range(auth.MAX_FAILURES):
        attempt(app, "wrong", NOON)
    later = NOON + auth.LOCK_FOR + timedelta(minutes=1)
    assert attempt(app, "wrong", later) == "refused"
    assert account(app).failed_logins == 1


def test_unknown_and_disabled_logins_are_refused_like_a_wrong_password(app: Flask) -> None:
    assert attempt(app, PASSWORD, NOON, login="nobody") == "refused"
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.login == "tanaka"))
        assert user is not None
        user.active = False
        db.session.commit()
    assert attempt(app, PASSWORD, NOON) == "refused"


def test_unknown_logins_cost_one_password_check(
    monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    checked: list[str] = []
    real = auth.password_matches
    monkeypatch.setattr(auth, "password_matches", lambda h, p: checked.append(h) or real(h, p))
    attempt(app, PASSWORD, NOON, login="nobody")
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")


def test_roles_are_ordered_and_match_the_stored_names() -> None:
    assert tuple(role.label for role in auth.Role) == STAFF_ROLES
    assert auth.can("viewer", "read") and not auth.can("viewer", "triage")
    assert auth.can("staff", "triage") and not auth.can("staff", "manage_users")
    assert all(auth.can("admin", action) for action in auth.ACTIONS)
    with pytest.raises(ValueError):
        auth.Role.named("superuser")


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/staff/", True),
        ("/staff/reports?status=new&ward=33101", True),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("/\tevil", False),
        ("https://evil.example/staff/", False),
        ("javascript:alert(1)", False),
        ("staff/", False),
        ("", False),
    ],
)
def test_only_local_paths_are_followed_after_login(target: str, kept: bool) -> None:
    assert local_path(target) == (target if kept else None)
