"""Who may sign in, and what each role may do."""

import logging
import secrets
from datetime import datetime
from datetime import timedelta
from enum import IntEnum
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting import accounts
from reporting.accounts import hash_password
from reporting.accounts import password_matches
from reporting.models import StaffUser

log = logging.getLogger(__name__)

# Five wrong passwords in a row lock the account for a quarter of an hour: slow enough to stop
# guessing, short enough that a colleague who mistyped is not stuck until an admin comes by.
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)


class Role(IntEnum):
    """Staff roles, each allowed everything the roles below it are."""

    VIEWER = 1
    STAFF = 2
    ADMIN = 3

    @classmethod
    def named(cls, name: str) -> "Role":
        """Return the role stored as ``name`` (``viewer``, ``staff``, ``admin``)."""
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"no role {name!r}") from None

    @property
    def label(self) -> str:
        """The name stored in ``staff_users.role``."""
        return self.name.lower()


# The least role each action needs: viewers read, staff triage, admins run the service.
ACTIONS: dict[str, Role] = {
    "read": Role.VIEWER,
    "triage": Role.STAFF,
    "manage_users": Role.ADMIN,
    "manage_tokens": Role.ADMIN,
    "manage_settings": Role.ADMIN,
}


def can(role: Role | str, action: str) -> bool:
    """Say whether a role may perform an action (an unknown action is a programming error)."""
    held = role if isinstance(role, Role) else Role.named(role)
    return held >= ACTIONS[action]


class LoginRefused(Exception):
    """The login and password do not name an active account; which part was wrong is not said."""


class AccountLocked(Exception):
    """Too many wrong passwords: no password is accepted until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


@cache
def _dummy_hash() -> str:
    # Checking an unknown login against a real hash costs what checking a known one does,
    # so response times do not tell which logins exist.
    return hash_password(secrets.token_urlsafe(16))


def authenticate(session: Session, login: str, password: str, now: datetime) -> StaffUser:
    """Return the active account the password opens, or raise; the caller commits either way.

    Failures are counted on the account (row-locked, so concurrent guesses all count); the
    fifth in a row locks it for ``LOCK_FOR``. While locked, even the right password is refused.
    """
    user = session.scalar(select(StaffUser).where(StaffUser.login == login).with_for_update())
    if user is None or not user.active:
        password_matches(_dummy_hash(), password)
        raise LoginRefused
    matches = password_matches(user.password_hash, password)
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(user.locked_until)
    if not matches:
        _count_failure(session, user, now)
        raise LoginRefused
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    log.info("staff login: %s", user.login)
    return user


def _count_failure(session: Session, user: StaffUser, now: datetime) -> None:
    user.failed_logins += 1
    if user.failed_logins < MAX_FAILURES:
        return
    # The count starts again once the lock has passed.
    user.failed_logins = 0
    user.locked_until = now + LOCK_FOR
    log.warning("staff account %s locked after %d failed logins", user.login, MAX_FAILURES)
    accounts.record(
        session, None, "locked", user, failures=MAX_FAILURES, until=user.locked_until.isoformat()
    )
