"""What the machine-readable blueprints (/api, /ogc, /open311) share: who asks, query, errors."""

import logging
from collections.abc import Callable
from datetime import UTC
from datetime import datetime

import psycopg
from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request
from flask_cors import CORS
from sqlalchemy.exc import SQLAlchemyError

from reporting import access
from reporting.city_profile import CityProfile
from reporting.db import db
from reporting.problems import BadRequest
from reporting.problems import Internal
from reporting.problems import Problem
from reporting.problems import Unavailable
from reporting.problems import problem_response
from reporting.report_filters import Args
from reporting.web import errors as web_errors

log = logging.getLogger(__name__)


def city() -> CityProfile:
    return current_app.extensions["tsuho.city"]


def viewer() -> access.Viewer:
    """Return who is asking (raising Unauthorized), and record a token's use."""
    session = db.session()
    found = access.identify(
        session,
        request.headers.get("Authorization"),
        public_exports=city().public_exports,
        now=datetime.now(UTC),
    )
    if session.dirty:
        session.commit()  # a token's last use, noted now and then (access.LAST_USED_EVERY)
    return found


def query_args() -> Args:
    """Return the query string as name -> values, repeated names kept."""
    return {name: request.args.getlist(name) for name in request.args}


def handle_problems(
    bp: Blueprint, render: Callable[[Problem], Response] = problem_response
) -> None:
    """Answer the blueprint's errors with problem documents, or in the form ``render`` writes."""

    def unavailable(error: Exception) -> Response:
        db.session.rollback()
        if web_errors.is_bad_value(error):
            log.warning("refused value on %s: %s", request.path, type(error).__name__)
            return render(BadRequest("a value in the request cannot be used"))
        if web_errors.is_outage(error):
            log.exception("database unavailable on %s", request.path, exc_info=error)
            return render(Unavailable("the database cannot answer now; try again shortly"))
        log.exception("database error on %s", request.path, exc_info=error)
        return render(Internal("the request failed; it has been logged"))

    bp.register_error_handler(Problem, render)
    bp.register_error_handler(SQLAlchemyError, unavailable)
    bp.register_error_handler(psycopg.Error, unavailable)


def allow_cross_origin(bp: Blueprint) -> None:
    """Let pages of any origin read the blueprint's GETs (CORS), never with credentials.

    ``Access-Control-Allow-Origin: *`` and no ``Allow-Credentials``: a browser sends no cookie
    and no HTTP authentication of its own cross-origin, so a staff session is never used from
    another site; a script may still send an API token in its ``Authorization`` header.
    """
    CORS(
        bp,
        origins="*",
        send_wildcard=True,
        supports_credentials=False,
        methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["Authorization", "Accept", "Accept-Language", "If-None-Match"],
        expose_headers=["Content-Crs", "ETag", "Link"],
        max_age=86400,
    )


