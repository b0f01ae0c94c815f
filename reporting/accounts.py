"""Staff accounts: passwords, creating accounts, and each change checked, logged and audited."""

import logging
import re
import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import Select
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from reporting.models import STAFF_ROLES
from reporting.models import LoginThrottle
from reporting.models import StaffAudit
from reporting.models import StaffUser

log = logging.getLogger(__name__)

_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account change that is not allowed; subclasses name the reason."""


class UnknownAccount(AccountError):
    """No staff account has this login or id."""


class LoginTaken(AccountError):
    """Another staff account already has this login."""


class OwnAccount(AccountError):
    """Admins do not disable or demote themselves, so nobody locks themselves out by a slip."""


class LastAdmin(AccountError):
    """The change would leave no active admin to manage the service."""


class StaffError(ValueError):
    """A staff account cannot be created or changed as asked."""


def hash_password(password: str) -> str:
    """Hash a password with Argon2id, the current recommendation for password storage."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Say whether the password is the one that was hashed."""
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False


# The rules for a login and a password, the same from the admin page and the command line.
LOGIN_PATTERN = re.compile(r"[A-Za-z0-9._@-]{3,64}")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_DISPLAY_NAME = 100
MAX_DEPARTMENT = 64


def check_login(login: str) -> None:
    """Refuse a login the sign-in form could not take: 3–64 letters, digits or . _ @ -."""
    if not LOGIN_PATTERN.fullmatch(login):
        raise StaffError("a login is 3–64 letters, digits or . _ @ -")


def check_password(password: str) -> None:
    """Refuse a password the sign-in form could not take, or one too short."""
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"passwords need at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise StaffError(f"passwords are at most {MAX_PASSWORD} characters, without NUL")


def create_user(
    session: Session, login: str, password: str, role: str, department: str | None = None
) -> StaffUser:
    """Add a staff account; the caller commits."""
    if role not in STAFF_ROLES:
        raise StaffError(f"role must be one of {', '.join(STAFF_ROLES)}")
    check_login(login)
    check_password(password)
    if department is not None and len(department) > MAX_DEPARTMENT:
        raise StaffError(f"a department is at most {MAX_DEPARTMENT} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.login == login)) is not None:
        raise StaffError(f"a staff account {login!r} already exists")
    user = StaffUser(
        login=login,
        display_name=login,
        password_hash=hash_password(password),
        role=role,
        department=department,
    )
    session.add(user)
    return user


def ensure_admin(session: Session, password: str | None, login: str = "admin") -> str | None:
    """Create the first admin, named ``login``, when no admin exists; return its password."""
    if session.scalar(select(StaffUser.id).where(StaffUser.role == "admin").limit(1)):
        return None
    password = password or secrets.token_urlsafe(12)
    create_user(session, login, password, "admin")
    return password


def record(
    session: Session, actor_id: int | None, action: str, target: StaffUser, **detail: Any
) -> None:
    """Log an account action and add it to the audit trail (never with a password)."""
    session.flush()
    session.add(StaffAudit(actor_id=actor_id, action=action, target_id=target.id, detail=detail))
    log.info("staff account %s: %s by %s %s", target.login, action, actor_id or "-", detail)


def find(session: Session, login: str) -> StaffUser:
    """Return the account with this login."""
    user = session.scalar(select(StaffUser).where(StaffUser.login == login))
    if user is None:
        raise UnknownAccount(login)
    return user


def get(session: Session, user_id: int) -> StaffUser:
    """Return the account with this id."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise UnknownAccount(str(user_id))
    return user


def create_account(
    session: Session,
    actor_id: int | None,
    *,
    login: str,
    password: str,
    role: str,
    display_name: str = "",
    department: str | None = None,
) -> StaffUser:
    """Add an account (see ``create_user`` for the password rules); the caller commits."""
    if session.scalar(select(StaffUser.id).where(StaffUser.login == login)) is not None:
        raise LoginTaken(login)
    user = create_user(session, login, password, role, department)
    if len(display_name) > MAX_DISPLAY_NAME:
        raise StaffError(f"a name is at most {MAX_DISPLAY_NAME} characters")
    user.display_name = display_name or login
    record(session, actor_id, "created", user, role=role, department=department)
    return user


def set_role(session: Session, actor_id: int | None, user: StaffUser, role: str) -> None:
    """Give the account another role."""
    if role not in STAFF_ROLES:
        raise AccountError(f"no role {role!r}")
    if role == user.role:
        return
    if user.role == "admin":
        _keep_an_admin(session, actor_id, user)
    previous, user.role = user.role, role
    end_sessions(session, user)
    record(session, actor_id, "role_changed", user, **{"from": previous, "to": role})


def disable_user(session: Session, actor_id: int | None, user: StaffUser) -> None:
    """Stop the account from signing in; its open sessions end at their next request."""
    if not user.active:
        return
    if user.role == "admin":
        _keep_an_admin(session, actor_id, user)
    user.active = False
    end_sessions(session, user)
    record(session, actor_id, "disabled", user)


def enable_user(session: Session, actor_id: int | None, user: StaffUser) -> None:
    """Let a disabled account sign in again."""
    unlock_user(session, actor_id, user)
    if user.active:
        return
    user.active = True
    # Sessions from before it was disabled stay ended.
    end_sessions(session, user)
    record(session, actor_id, "enabled", user)


def unlock_user(session: Session, actor_id: int | None, user: StaffUser) -> None:
    """Let every address try this account's password again at once."""
    cleared = session.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.login == user.login)
        .returning(LoginThrottle.blocked_until)
    ).all()
    waited = any(until is not None for (until,) in cleared)
    if user.locked_until is None and user.failed_logins == 0 and not waited:
        return
    user.locked_until = None
    user.failed_logins = 0
    record(session, actor_id, "unlocked", user)


def set_password(session: Session, actor_id: int | None, user: StaffUser, password: str) -> None:
    """Give the account a new password; every session it has ends."""
    check_password(password)
    user.password_hash = hash_password(password)
    end_sessions(session, user)
    unlock_user(session, actor_id, user)
    record(session, actor_id, "password_changed", user)


def end_sessions(session: Session, user: StaffUser) -> None:
    """End every session of the account at its next request (see ``StaffUser.session_version``)."""
    user.session_version = StaffUser.session_version + 1
    session.flush()
    session.refresh(user, ["session_version"])


def is_locked(user: StaffUser, now: datetime) -> bool:
    """Say whether failed logins keep the account locked at ``now``."""
    return user.locked_until is not None and user.locked_until > now


def _keep_an_admin(session: Session, actor_id: int | None, admin: StaffUser) -> None:
    """Refuse to take away the last active admin.

    The active admins' rows are locked first: of two admins disabling each other at the same
    moment, the second waits for the first, then sees one admin left and is refused.
    """
    if actor_id == admin.id:
        raise OwnAccount(admin.login)
    admins = session.scalars(
        select(StaffUser.id)
        .where(StaffUser.role == "admin", StaffUser.active)
        .order_by(StaffUser.id)
        .with_for_update()
    ).all()
    if not [found for found in admins if found != admin.id]:
        raise LastAdmin(admin.login)


def users_query() -> Select[StaffUser]:
    """Every account, by login."""
    return select(StaffUser).order_by(StaffUser.login)


def audit_query(limit: int = 50) -> Select[datetime, str | None, str, str | None, Any]:
    """The latest account actions: when, by whom, what, to whom, details."""
    actor = aliased(StaffUser)
    target = aliased(StaffUser)
    return (
        select(
            StaffAudit.created_at, actor.login, StaffAudit.action, target.login, StaffAudit.detail
        )
        .outerjoin(actor, actor.id == StaffAudit.actor_id)
        .outerjoin(target, target.id == StaffAudit.target_id)
        .order_by(StaffAudit.id.desc())
        .limit(limit)
    )
