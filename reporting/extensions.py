"""The web extensions staff pages rely on, created here and bound to the app in ``create_app``."""

from datetime import timedelta
from typing import Any

from flask import Flask
from flask import Request
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
# Translate when flashed, so the session stores plain text in the reader's language.
login_manager.localize_callback = str
# Sessions are not bound to an address or a browser (staff move between networks, and
# Flask-Login's "strong" mode does not apply to the permanent sessions used here). What ends a
# session is on the server: each account's session version (reporting.staff.auth.load_user),
# raised by logout, a password or role change, disabling and enabling, and the 12-hour expiry.
login_manager.session_protection = None


def web_config(production: bool) -> dict[str, Any]:
    """Return the cookie, CSRF and language settings; instance or test config may override them."""
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Production sits behind HTTPS; development and tests talk plain HTTP on localhost.
        "SESSION_COOKIE_SECURE": production,
        # Staff sign in for one working day; the signed cookie expires 12 hours after last use.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # No "remember me" is offered; should one appear, its cookie gets the same flags.
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # The token lives as long as the session: a dashboard left open all day still posts.
        "WTF_CSRF_TIME_LIMIT": None,
        # The largest body any route takes (a photo with its form); routes that take less say
        # so themselves, and nginx refuses larger bodies before they reach gunicorn.
        "MAX_CONTENT_LENGTH": 26 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
    }


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except under paths no browser calls (LINE's webhook).

    Opening and saving a session is a tenth of a webhook request's work; there it gets
    Flask's null session, which holds nothing and sets no cookie.
    """

    def __init__(self, sessionless_prefixes: tuple[str, ...]) -> None:
        self.sessionless_prefixes = sessionless_prefixes

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(self.sessionless_prefixes):
            return None
        return super().open_session(app, request)
