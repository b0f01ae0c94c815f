"""Who is asking for report data, and what they may see: staff, a token holder, or the public.

Analysts send ``Authorization: Bearer <token>``, or the token as the password of HTTP Basic
authentication (any user name), which QGIS, GDAL, Excel and ArcGIS can all send. A token
is shown once when it is made; the database keeps only its SHA-256 hash and its first
characters, the prefix, by which it is found (and which ``tokens list`` shows, so an
administrator can tell tokens apart).
A city whose profile sets ``public_exports`` serves anonymised data to anyone without one.

Each token has one scope: ``read`` (an analyst's, for exports and the OGC API) or ``open311``
(a partner app's ``api_key``, for filing reports through Open311). A token is only ever
accepted for its own scope, so a leaked Open311 key reads no notes and a read token files
no reports.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.models import TOKEN_SCOPES
from reporting.models import ApiToken
from reporting.problems import Forbidden
from reporting.problems import Unauthorized
from reporting.report_queries import Visibility

READ, OPEN311 = TOKEN_SCOPES

TOKEN_START = "tsuho_"
PREFIX_LENGTH = len(TOKEN_START) + 8
NAME_PATTERN = re.compile(r"[\w.@-]{1,64}")

# Recording every use would write on every request; once in a while is enough to tell
# an administrator whether a token is still in use.
LAST_USED_EVERY = timedelta(minutes=10)
# Tokens found valid are believed for this long in each process without asking the database:
# a client paging through features or fetching them one by one sends the same token many
# times a second, and its look-up was a round trip and a fifth of a single feature's time.
# A token revoked elsewhere (the CLI, another process) still works here for at most this long.
VERIFIED_FOR = 5.0
_verified: dict[str, tuple[float, str]] = {}  # a read token's hash -> (until, its name)


class TokenError(ValueError):
    """A token cannot be made or revoked as asked; the message says why."""


@dataclass(frozen=True)
class Viewer:
    """Someone allowed to read reports: ``staff``, ``token`` (an analyst) or ``public``."""

    kind: str
    name: str

    @property
    def visibility(self) -> Visibility:
        # Hidden reports stay out of every export; notes only for the city's own people.
        return Visibility(notes=self.kind != "public")


PUBLIC = Viewer("public", "public")


def identify(
    session: Session, authorization: str | None, *, public_exports: bool, now: datetime
) -> Viewer:
    """Return who is asking, or raise Unauthorized.

    A token that is presented must be valid, even in public mode: a broken script should
    hear about its token rather than receive the public view without noticing.
    """
    if authorization:
        token = _presented(authorization)
        key = _hash(token)
        known = _verified.get(key)
        if known is not None and known[0] > time.monotonic():
            return Viewer("token", known[1])
        record = verify_token(session, token, now)
        if record is None:
            raise Unauthorized("the token is not valid (unknown, revoked, or not a read token)")
        _verified[key] = (time.monotonic() + VERIFIED_FOR, record.name)
        return Viewer("token", record.name)
    staff = staff_viewer()
    if staff is not None:
        return staff
    if public_exports:
        return PUBLIC
    raise Unauthorized("send an API token: Authorization: Bearer <token>")


def open311_client(session: Session, api_key: str | None, now: datetime) -> str:
    """Return the name of the Open311 key sent as ``api_key``, or raise Forbidden."""
    if not api_key:
        raise Forbidden("api_key is missing: the city gives each app its own Open311 key")
    record = verify_token(session, api_key, now, OPEN311)
    if record is None:
        raise Forbidden("api_key is not valid (unknown, revoked, or not an Open311 key)")
    return record.name


def staff_viewer() -> Viewer | None:
    """Return the signed-in staff member, if any: the seam for staff sessions.

    Staff sign in to the dashboard (Flask-Login); an authenticated, active account reads
    reports as staff, with notes, the same as a token.
    """
    if not has_request_context():
        return None
    if current_user.is_authenticated and current_user.is_active:
        return Viewer("staff", current_user.login)
    return None


def _presented(authorization: str) -> str:
    """Return the token of a Bearer header, or the password of a Basic one (any user name)."""
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("the Basic credentials are not base64 of user:password") from None
        user, colon, password = decoded.partition(":")
        # Some tools have room for one secret only, and put it in the user name.
        token = password or (user if not colon or not password else "")
        if token:
            return token
        raise Unauthorized("send the token as the password of Basic authentication")
    raise Unauthorized(
        "send an API token: Authorization: Bearer <token>, or as the Basic password"
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, scope: str = READ) -> str:
    """Add a token labelled ``name`` and return it; only its hash is stored. The caller commits."""
    if not NAME_PATTERN.fullmatch(name):
        raise TokenError("a token name has 1-64 letters, digits, '.', '_', '@' or '-'")
    if scope not in TOKEN_SCOPES:
        raise TokenError(f"a token's scope is one of {', '.join(TOKEN_SCOPES)}")
    if _live(session, name) is not None:
        raise TokenError(f"a live token named {name!r} exists; revoke it first")
    token = TOKEN_START + secrets.token_urlsafe(32)
    session.add(
        ApiToken(name=name, prefix=token[:PREFIX_LENGTH], token_hash=_hash(token), scope=scope)
    )
    return token


def revoke_token(session: Session, name: str, now: datetime) -> None:
    """Revoke the live token labelled ``name``; the caller commits."""
    record = _live(session, name)
    if record is None:
        raise TokenError(f"no live token named {name!r}")
    record.revoked_at = now
    _verified.clear()  # this process stops believing it at once; others within VERIFIED_FOR


def list_tokens(session: Session) -> list[ApiToken]:
    """Return every token, live ones first, then by name."""
    return list(
        session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name))
    )


def verify_token(session: Session, token: str, now: datetime, scope: str = READ) -> ApiToken | None:
    """Return the live token record of this scope matching ``token``, noting its use; else None."""
    record = session.scalar(
        select(ApiToken).where(
            ApiToken.prefix == token[:PREFIX_LENGTH],
            ApiToken.revoked_at.is_(None),
            ApiToken.scope == scope,
        )
    )
    if record is None or not hmac.compare_digest(record.token_hash, _hash(token)):
        return None
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_EVERY:
        record.last_used_at = now
    return record


def _live(session: Session, name: str) -> ApiToken | None:
    return session.scalar(
        select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
    )
