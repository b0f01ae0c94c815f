"""Signing in, throttling failed logins by address, and what each role may do: the domain rules."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from reporting import accounts
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


def attempt(
    app: Flask, password: str, now: datetime, login: str = "tanaka", client: str = "192.0.2.1"
) -> str:
    """Try to sign in, commit like the view does, and say what happened."""
    with app.app_context():
        try:
            user = auth.authenticate(db.session(), login, password, now, client=client)
        except auth.LoginRefused:
            outcome = "refused"
        except auth.Throttled as throttled:
            # In UTC, whatever zone the database's connection writes times in.
            outcome = f"wait until {throttled.until.astimezone(UTC).isoformat()}"
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


def test_failures_make_that_address_wait_longer_each_time(app: Flask) -> None:
    for _ in range(auth.FREE_TRIES - 1):
        assert attempt(app, "wrong", NOON) == "refused"
    assert attempt(app, "wrong", NOON) == "refused"  # the fifth: now it waits a second
    one = NOON + auth.FIRST_WAIT
    # While it waits, even the right password is not tried.
    assert attempt(app, PASSWORD, NOON) == f"wait until {one.isoformat()}"
    assert attempt(app, "wrong", one) == "refused"
    two = one + 2 * auth.FIRST_WAIT
    assert attempt(app, PASSWORD, one) == f"wait until {two.isoformat()}"
    assert attempt(app, PASSWORD, two) == "signed in as tanaka"


def test_the_wait_stops_growing_at_a_quarter_of_an_hour(app: Flask) -> None:
    assert auth.wait_after(auth.FREE_TRIES - 1, auth.FREE_TRIES) is None
    assert auth.wait_after(auth.FREE_TRIES, auth.FREE_TRIES) == auth.FIRST_WAIT
    assert auth.wait_after(10**9, auth.FREE_TRIES) == auth.LONGEST_WAIT


def test_a_strangers_failures_never_keep_the_owner_out(app: Flask) -> None:
    now = NOON
    for _ in range(20):
        attempt(app, "wrong", now, client="203.0.113.66")
        now += timedelta(seconds=1)
    assert attempt(app, PASSWORD, now, client="203.0.113.66").startswith("wait until")
    assert attempt(app, PASSWORD, now, client="198.51.100.7") == "signed in as tanaka"


def test_guessing_many_logins_from_one_address_waits_too(app: Flask) -> None:
    for number in range(auth.FREE_TRIES_ANY_LOGIN):
        assert attempt(app, "wrong", NOON, login=f"guess{number}") == "refused"
    assert attempt(app, PASSWORD, NOON).startswith("wait until")
    assert attempt(app, PASSWORD, NOON, client="198.51.100.7") == "signed in as tanaka"


def test_the_first_wait_is_audited_without_an_actor(app: Flask) -> None:
    for _ in range(auth.FREE_TRIES):
        attempt(app, "wrong", NOON)
    with app.app_context():
        rows = db.session.execute(
            select(StaffAudit.actor_id, StaffAudit.action, StaffAudit.detail)
        ).all()
    assert rows[-1][:2] == (None, "locked")
    assert rows[-1][2]["failures"] == auth.FREE_TRIES
    assert account(app).locked_until == NOON + auth.FIRST_WAIT


def test_unlocking_lets_every_address_try_at_once(app: Flask) -> None:
    for _ in range(auth.FREE_TRIES + 3):
        attempt(app, "wrong", NOON)
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.login == "tanaka"))
        assert user is not None
        accounts.unlock_user(db.session(), None, user)
        db.session.commit()
    assert attempt(app, PASSWORD, NOON) == "signed in as tanaka"


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
