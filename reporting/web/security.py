"""What every response and request passes through: a guard on input, headers on output, proxies.

- The guard answers 400 before any view runs when the path, the query string or a form holds
  a NUL or another control character, or bytes that are not UTF-8: PostgreSQL refuses NUL in
  text, and such a value never means anything to the service.
- Headers: a Content-Security-Policy that allows only our own scripts (the staff map's one
  generated inline script carries the request's nonce), no framing, no MIME sniffing, a
  same-origin referrer, and ``Cache-Control: no-store`` on staff pages and authenticated data.
- Proxies: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses
  in ``TSUHO_TRUSTED_PROXIES`` (the nginx in front), so nobody else can pick their client address.
"""

import ipaddress
import secrets
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from reporting.web.inputs import any_control
from reporting.web.inputs import has_control

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Bodies checked by a signature over their bytes (LINE's webhook) are read by their view alone.
SIGNED_BODY_PREFIXES = ("/line/webhook",)
# No request the service takes nests JSON deeper than this.
MAX_JSON_DEPTH = 32

# The default base map's tiles (Geospatial Information Authority of Japan).
DEFAULT_TILE_ORIGIN = "https://cyberjapandata.gsi.go.jp"


def init_app(app: Flask) -> None:
    """Guard requests, add the headers to responses, and trust the configured proxies."""
    app.before_request(refuse_bad_input)
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    networks = parse_networks(app.config.get("TRUSTED_PROXIES") or ())
    if networks:
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)  # type: ignore[method-assign]


def refuse_bad_input() -> None:
    """Answer 400 for control characters or undecodable bytes in the path, query or form."""
    raw_query = request.environ.get("QUERY_STRING", "")
    raw_path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    if not _decodes(raw_query) or not _decodes(raw_path.partition("?")[0]):
        abort(400, "the address is not valid UTF-8")
    if any_control([request.path]) or _bad_multidict(request.args.lists()):
        abort(400, "the address holds control characters")
    if request.path.startswith(SIGNED_BODY_PREFIXES):
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _bad_multidict(request.form.lists()):
            abort(400, "a form field holds control characters")
    elif request.is_json and (request.content_length or request.headers.get("Transfer-Encoding")):
        _check_json()


def _check_json() -> None:
    """Parse a JSON body once (Flask keeps it for the view): valid, shallow, no control chars."""
    try:
        body = request.get_json(silent=False)
    except (RecursionError, ValueError, HTTPException):
        abort(400, "the body is not valid JSON")
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            abort(400, f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, str) and has_control(value):
            abort(400, "a JSON string holds control characters")
        if isinstance(value, dict):
            for key, item in value.items():
                if has_control(key):
                    abort(400, "a JSON key holds control characters")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _decodes(raw: str) -> bool:
    try:
        unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bad_multidict(items: Iterable[tuple[str, list[str]]]) -> bool:
    return any(any_control([name, *values]) for name, values in items)


def csp_nonce() -> str:
    """The nonce this response's inline scripts carry (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def content_security_policy(tile_origin: str, nonce: str | None) -> str:
    """The policy: scripts, styles and connections from this site; tiles from ``tile_origin``.

    Styles allow inline ``style`` attributes, which Leaflet's markup uses; scripts never run
    inline without the nonce.
    """
    policy = _policy(tile_origin)
    if not nonce:
        return policy
    return policy.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'", 1)


@lru_cache(maxsize=16)
def _policy(tile_origin: str) -> str:
    """The policy without a nonce (made once per tile origin: every response carries it)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {tile_origin}".rstrip(),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


@lru_cache(maxsize=16)
def tile_origin(template: str | None) -> str:
    """The origin of a tile URL template (``{s}`` subdomains become a wildcard)."""
    if not template:
        return DEFAULT_TILE_ORIGIN
    parts = urlsplit(template)
    if not parts.scheme or not parts.netloc:
        return ""  # a path on this site: 'self' covers it
    host = parts.netloc.replace("{s}.", "*.")
    return f"{parts.scheme}://{host}"


def add_headers(response: Response) -> Response:
    """Add the security headers, leaving any a view set on purpose."""
    nonce = g.get("csp_nonce")
    origin = tile_origin(current_app.config.get("MAP_TILES_URL"))
    response.headers.setdefault("Content-Security-Policy", content_security_policy(origin, nonce))
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if _private(response):
        response.headers["Cache-Control"] = "no-store"
    return response


def _private(response: Response) -> bool:
    """Staff pages, exports, and anything asked for with credentials are kept by no cache."""
    if request.path.startswith("/api/"):
        return True
    if request.path.startswith("/staff/"):
        # Area outlines say their own caching (public shapes); pages and data do not.
        return response.mimetype == "text/html" or "Cache-Control" not in response.headers
    if response.cache_control.private:
        # The view chose a private cache for a page behind credentials (OGC API metadata,
        # revalidated with its ETag): browsers may keep it, shared caches may not.
        return False
    return "Authorization" in request.headers or "api_key" in request.args


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """Read ``TSUHO_TRUSTED_PROXIES``: addresses or networks, comma-separated."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


class TrustedProxies:
    """Werkzeug's ProxyFix (one hop of X-Forwarded-For and -Proto), only for a trusted peer.

    A request straight from anyone else keeps its own address, whatever headers it sends.
    """

    def __init__(self, app: Any, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

    def _trusted(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)
