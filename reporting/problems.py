"""Errors of the analysts' APIs, each carrying its HTTP meaning, and their JSON problem form.

The document follows RFC 9457 (``application/problem+json``); a bad query parameter is named
in an extra member, ``parameter``, so scripts can tell which one to fix.
"""

import json
from http import HTTPStatus
from typing import Any

from flask import Response

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """A request the API answers with an error status and a problem document."""

    status = HTTPStatus.INTERNAL_SERVER_ERROR

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def document(self) -> dict[str, Any]:
        return {
            "type": "about:blank",
            "title": self.status.phrase,
            "status": int(self.status),
            "detail": self.detail,
        }

    def headers(self) -> list[tuple[str, str]]:
        return []


class BadRequest(Problem):
    """The request cannot be carried out as sent; the detail says what to change."""

    status = HTTPStatus.BAD_REQUEST


class BadParameter(BadRequest):
    """A query parameter is unknown, repeated, or its value cannot be used."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter

    def document(self) -> dict[str, Any]:
        return super().document() | {"parameter": self.parameter}


class Unauthorized(Problem):
    """No usable credentials: a token is missing, unknown or revoked."""

    status = HTTPStatus.UNAUTHORIZED

    def headers(self) -> list[tuple[str, str]]:
        # Basic too, a challenge of its own: clients that send a password only when challenged
        # (browsers, Excel) then send the token.
        return [
            ("WWW-Authenticate", 'Bearer realm="tsuho"'),
            ("WWW-Authenticate", 'Basic realm="tsuho", charset="UTF-8"'),
        ]


class Forbidden(Problem):
    """The credentials were read but do not allow this: a wrong, revoked or other-scope key."""

    status = HTTPStatus.FORBIDDEN


class NotFound(Problem):
    """No such collection or feature (or not one this viewer may see)."""

    status = HTTPStatus.NOT_FOUND


class Internal(Problem):
    """The service failed; nothing the client changes would help, and it has been logged."""


class Unavailable(Problem):
    """The database cannot answer now; the client may try again."""

    status = HTTPStatus.SERVICE_UNAVAILABLE


def problem_response(problem: Problem) -> Response:
    """Render a problem as its JSON document with the problem's status and headers."""
    body = json.dumps(problem.document(), ensure_ascii=False)
    return Response(
        body, status=int(problem.status), mimetype=MEDIA_TYPE, headers=problem.headers()
    )
