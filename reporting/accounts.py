"""Staff accounts: passwords, creating accounts, and each change checked, logged and audited."""

import logging
import secrets
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from reporting.models import STAFF_ROLES
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


def create_user(
    session: Session, login: str, password: str, role: str, department: str | None = None
) -> StaffUser:
    """Add a staff account; the caller commits."""
    if role not in STAFF_ROLES:
        raise StaffError(f"role must be one of {', '.join(STAFF_ROLES)}")
    if len(password) < 12:
        raise StaffError("passwords need at least 12 characters")
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


def ensure_admin(session: Session, password: str | None) -> str | None:
    """Create the first admin when no admin exists; return the password used, else None."""
    if session.scalar(select(StaffUser.id).where(StaffUser.role == "admin").limit(1)):
        return None
    password = password or secrets.token_urlsafe(12)
    create_user(session, "admin", password, "admin")
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
    record(session, actor_id, "role_changed", user, **{"from": previous, "to": role})


def disable_user(session: Session, actor_id: int | None, user: StaffUser) -> None:
    """Stop the account from signing in; its open sessions end at their next request."""
    if not user.active:
        return
    if user.role == "admin":
        _keep_an_admin(session, actor_id, user)
    user.active = False
    record(session, actor_id, "disabled", user)


def enable_user(session: Session, actor_id: int | None, user: StaffUser) -> None:
    """Let a disabled account sign in again."""
    if user.active:
        return
    user.active = True
    record(session, actor_id, "enabled", user)


def unlock_user(session: Session, actor_id: int | None, user: StaffUser) -> None:
    """Lift a lock from failed logins before it runs out."""
    if user.locked_until is None and user.failed_logins == 0:
        return
    user.locked_until = None
    user.failed_logins = 0
    record(session, actor_id, "unlocked", user)


def is_locked(user: StaffUser, now: datetime) -> bool:
    """Say whether failed logins keep the account locked at ``now``."""
    return user.locked_until is not None and user.locked_until > now


def _keep_an_admin(session: Session, actor_id: int | None, admin: StaffUser) -> None:
    if actor_id == admin.id:
        raise OwnAccount(admin.login)
    others = session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(StaffUser.role == "admin", StaffUser.active, StaffUser.id != admin.id)
    )
    if not others:
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
