"""Operators' endpoints: liveness, readiness and Prometheus metrics, and the request timing."""

import hmac
import time

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from reporting.db import db
from reporting.db import schema_is_current
from reporting.operations import metrics

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


@bp.get("/metrics")
def prometheus() -> ResponseReturnValue:
    """Prometheus metrics, for the bearer of METRICS_TOKEN; without one configured, 404."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        return Response(
            "a bearer token is required\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    try:
        body = metrics.exposition(db.engine)
    except SQLAlchemyError:
        return Response("the database is unreachable\n", 503, mimetype="text/plain")
    return Response(body, 200, content_type=metrics.CONTENT_TYPE)


@bp.before_app_request
def start_timer() -> None:
    g.started = time.perf_counter()


@bp.after_app_request
def count_request(response: Response) -> Response:
    """Count every answer by endpoint (not path, which would be unbounded) and status."""
    started = g.get("started")
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        metrics.HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response
