"""Logs as JSON lines (python-json-logger), each request's lines carrying its request id."""

import logging
import re
import sys
import uuid
from typing import IO

from flask import Flask
from flask import Response
from flask import g
from flask import has_request_context
from flask import request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept when it looks like one; anything else is replaced, never logged raw.
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
FIELDS = ("asctime", "levelname", "name", "message")
# Query parameters that are credentials (Open311 clients send their key as api_key).
_SECRET_PARAMETER = re.compile(r"(?i)((?:^|[?&;])(?:api_key|api%5fkey)=)[^&;\s\"]*")


def redact(text: str) -> str:
    """Replace the value of every credential parameter in a request line or query string."""
    return _SECRET_PARAMETER.sub(r"\1[redacted]", text)


class RequestIdFilter(logging.Filter):
    """Add the current request's id to each record logged while handling it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


class AccessFields(logging.Filter):
    """Give gunicorn's access records their fields, so the JSON line holds them escaped."""

    FIELDS = {
        "h": "remote", "m": "method", "U": "path", "q": "query", "s": "status", "B": "bytes",
        "D": "duration_us", "{x-request-id}o": "request_id", "a": "agent",
    }

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, dict):
            for atom, value in list(atoms.items()):
                if isinstance(value, str) and _SECRET_PARAMETER.search(value):
                    atoms[atom] = redact(value)
            for atom, name in self.FIELDS.items():
                if atom in atoms and atoms[atom] not in ("-", ""):
                    setattr(record, name, atoms[atom])
        return True


def formatter() -> JsonFormatter:
    """One JSON object per line: time, level, logger, message, and any extra fields."""
    return JsonFormatter(
        list(FIELDS),
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        json_ensure_ascii=False,
    )


def configure(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send the process's logs to stream (stderr) as JSON lines; return the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "tsuho", False)]:
        root.removeHandler(old)
    handler.tsuho = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # procrastinate logs every job's start and end at INFO, the 5-second maintenance job's
    # included; failures (WARNING and up) are what operators read, the rest is in /metrics.
    logging.getLogger("procrastinate").setLevel(max(logging.WARNING, root.level))
    return handler


def init_app(app: Flask) -> None:
    """Give every request an id (a proxy's X-Request-ID, or a new one) and echo it back."""

    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response
