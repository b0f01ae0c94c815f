"""The web extensions the pages rely on, created here and bound to the app in ``create_app``."""

from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Request
from flask import Response
from flask import request
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_compress import Compress
from flask_limiter import Limiter
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
        "COMPRESS_MIMETYPES": COMPRESSED_TYPES,
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        # gzip (GDAL, QGIS, scripts) at level 1: a page of 1,000 features (720 kB) becomes
        # 44 kB in 1.5 ms, where level 6 made 32 kB in 3.5 ms of the server's time.
        # Browsers take Brotli, at Flask-Compress's own level.
        "COMPRESS_LEVEL": 1,
        # Streams (exports, photos) go as they are; static files are read whole first.
        "COMPRESS_STREAMS": False,
        # Applied by compress_chosen only, not to every answer.
        "COMPRESS_REGISTER": False,
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


def _client_address() -> str:
    """The address a request came from (the proxy's client address behind a trusted proxy)."""
    return request.remote_addr or "unknown"


# Limits per client address, counted in RATELIMIT_STORAGE_URI: memory:// counts in each
# process alone, so a deployment with several web processes or machines names a shared
# storage (memcached://host:11211 or redis://host:6379).
limiter = Limiter(_client_address, headers_enabled=True)
# Static scripts and styles, and the machine-readable answers of the blueprints that ask for it
# (compressed_blueprint): staff and public pages holding a CSRF token beside reflected input are
# never compressed (BREACH), and exports stream uncompressed as they always have.
STATIC_TYPES = ["text/css", "text/javascript", "application/javascript", "image/svg+xml"]
COMPRESSED_TYPES = [
    *STATIC_TYPES,
    "application/json",
    "application/geo+json",
    "application/vnd.oai.openapi+json",
    "application/problem+json",
    "text/html",
]
compress = Compress()
_compressed_blueprints: set[str] = set()


def compressed_blueprint(bp: Blueprint) -> None:
    """Compress this blueprint's answers (br, gzip) when the client asks for it."""
    _compressed_blueprints.add(bp.name)


def compress_chosen(response: Response) -> Response:
    """Compress static scripts and styles and the chosen blueprints' answers; nothing else.

    Flask sends static files as streams, which Flask-Compress would leave uncompressed
    (COMPRESS_STREAMS is off): they are read whole first. They are small (Leaflet is the
    largest, 150 kB); ranges and conditional answers are left alone.
    """
    if request.endpoint == "static":
        if (
            response.status_code == 200
            and response.mimetype in STATIC_TYPES
            and "Range" not in request.headers
        ):
            response.direct_passthrough = False
            response.make_sequence()
            return compress.after_request(response)
        return response
    if request.blueprint in _compressed_blueprints:
        return compress.after_request(response)
    return response
