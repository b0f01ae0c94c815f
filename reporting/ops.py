"""Operators' endpoints: liveness and readiness."""

from flask import Blueprint
from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from reporting.db import db
from reporting.db import schema_is_current

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer while the process can serve requests at all."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Answer 200 only when the database answers and its schema is at the code's head."""
    try:
        with db.engine.connect() as connection:
            current = schema_is_current(connection)
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    if not current:
        return jsonify(status="unavailable", database="migrations pending"), 503
    return jsonify(status="ok", database="ok")
