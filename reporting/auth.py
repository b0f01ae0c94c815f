"""Who may sign in, and what each role may do."""

import logging
import secrets
from datetime import datetime
from datetime import timedelta
from enum import IntEnum
from functools import cache

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from reporting import accounts
from reporting.accounts import hash_password
from reporting.accounts import password_matches
from reporting.models import LoginThrottle
from reporting.models import StaffUser

log = logging.getLogger(__name__)

# Wrong passwords from one address for one account before that address waits, and then the
# wait: 1 s, doubling with each further failure, at most a quarter of an hour. The account's
# owner, from another address, is never kept waiting by someone else's guesses.
FREE_TRIES = 5
# Failures from one address across every login before it waits (guessing many accounts).
FREE_TRIES_ANY_LOGIN = 20
FIRST_WAIT = timedelta(seconds=1)
LONGEST_WAIT = timedelta(minutes=15)
# Throttle rows untouched this long are forgotten.
FORGET_AFTER = timedelta(days=1)
ANY_LOGIN = ""


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


class Throttled(Exception):
    """Too many wrong passwords from this address: no password is tried until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


@cache
def _dummy_hash() -> str:
    # Checking an unknown login against a real hash costs what checking a known one does,
    # so response times do not tell which logins exist.
    return hash_password(secrets.token_urlsafe(16))


def wait_after(failures: int, free: int) -> timedelta | None:
    """How long an address waits after ``failures`` in a row (None: not at all)."""
    if failures < free:
        return None
    # Bounded exponent: the doubling passes LONGEST_WAIT long before it could overflow.
    return min(FIRST_WAIT * 2 ** min(failures - free, 20), LONGEST_WAIT)


def authenticate(
    session: Session, login: str, password: str, now: datetime, client: str = "local"
) -> StaffUser:
    """Return the active account the password opens, or raise; the caller commits either way.

    ``client`` is the address asking. While it is throttled (for this login, or for every
    login after many failures) no password is checked, so waiting costs the server nothing.
    A failure counts against the address (rows locked, so concurrent guesses all count); a
    success clears the address's count for this login.
    """
    client = client[:64]
    rows = _throttles(session, login, client)
    blocked = [row.blocked_until for row in rows if row.blocked_until and row.blocked_until > now]
    if blocked:
        raise Throttled(max(blocked))
    user = session.scalar(select(StaffUser).where(StaffUser.login == login).with_for_update())
    if user is None or not user.active:
        password_matches(_dummy_hash(), password)
        _count_failure(session, rows, None, now)
        raise LoginRefused
    if not password_matches(user.password_hash, password):
        _count_failure(session, rows, user, now)
        raise LoginRefused
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.login == login, LoginThrottle.client == client)
    )
    user.failed_logins = 0
    user.last_login_at = now
    log.info("staff login: %s", user.login)
    return user


def _throttles(session: Session, login: str, client: str) -> list[LoginThrottle]:
    """This address's rows for the login and for any login, created when missing, locked."""
    for key in {login[:64], ANY_LOGIN}:
        session.execute(
            insert(LoginThrottle)
            .values(login=key, client=client, failures=0)
            .on_conflict_do_nothing(index_elements=["login", "client"])
        )
    return list(
        session.scalars(
            select(LoginThrottle)
            .where(
                LoginThrottle.client == client,
                LoginThrottle.login.in_({login[:64], ANY_LOGIN}),
            )
            .order_by(LoginThrottle.login)
            .with_for_update()
        )
    )


def _count_failure(
    session: Session, rows: list[LoginThrottle], user: StaffUser | None, now: datetime
) -> None:
    for row in rows:
        row.failures += 1
        row.updated_at = now
        free = FREE_TRIES_ANY_LOGIN if row.login == ANY_LOGIN else FREE_TRIES
        wait = wait_after(row.failures, free)
        row.blocked_until = now + wait if wait else None
        if user is not None and row.login == user.login and wait:
            user.locked_until = max(filter(None, (user.locked_until, row.blocked_until)))
            if row.failures == FREE_TRIES:
                log.warning("staff login %s: %s waits after failures", user.login, row.client)
                until = row.blocked_until.isoformat() if row.blocked_until else None
                accounts.record(
                    session, None, "locked", user, failures=row.failures, until=until
                )
    if user is not None:
        user.failed_logins += 1
    session.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < now - FORGET_AFTER))


def clear_throttles(session: Session, login: str) -> int:
    """Forget every address's failures for ``login``; return how many addresses waited."""
    result = session.execute(delete(LoginThrottle).where(LoginThrottle.login == login))
    return int(result.rowcount)  # type: ignore[attr-defined]
