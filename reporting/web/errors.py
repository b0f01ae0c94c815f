"""Database errors, answered for what they are: the client's value (400) or an outage (503).

A query that fails because of a value (out of range, not valid for its type) is a bad
request, whatever route it came from; only a lost or refused connection is "unavailable", so
that clients retry only what a retry can fix, and only outages are logged as outages.
"""

import logging

import psycopg
from flask import Flask
from flask import Response
from flask import jsonify
from flask import request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import SQLAlchemyError

from reporting.db import db

log = logging.getLogger(__name__)


def is_outage(error: BaseException) -> bool:
    """Say whether a database error means the database cannot be reached now."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig if error.orig is not None else error
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def is_bad_value(error: BaseException) -> bool:
    """Say whether PostgreSQL refused a value the client sent (class 22: data exception)."""
    if isinstance(error, DBAPIError):
        error = error.orig if error.orig is not None else error
    return isinstance(error, psycopg.DataError)


def database_error(error: Exception) -> tuple[Response, int]:
    """The last resort for a database error no blueprint answered."""
    db.session.rollback()
    if is_bad_value(error):
        log.warning("refused value on %s: %s", request.path, type(error).__name__)
        return jsonify(error="a value in the request cannot be used"), 400
    if is_outage(error):
        log.exception("database unavailable on %s", request.path, exc_info=error)
        return jsonify(error="the database cannot answer now; try again shortly"), 503
    log.exception("database error on %s", request.path, exc_info=error)
    return jsonify(error="internal error"), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(SQLAlchemyError, database_error)
    app.register_error_handler(psycopg.Error, database_error)
