"""Staff accounts: creating them and checking their passwords."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.models import STAFF_ROLES
from reporting.models import StaffUser

_hasher = PasswordHasher()


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
