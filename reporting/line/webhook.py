"""The resident channel's HTTP endpoint: LINE's signed webhook."""

import logging

import psycopg
from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from reporting.db import autocommit_connection
from reporting.line import intake
from reporting.operations import metrics

log = logging.getLogger(__name__)

bp = Blueprint("line", __name__, url_prefix="/line")

# LINE's payloads are a few kilobytes; anything near this is not from LINE.
MAX_BODY = 1024 * 1024


@bp.post("/webhook")
def webhook() -> ResponseReturnValue:
    """Acknowledge only what is durably recorded, so LINE redelivers anything else."""
    request.max_content_length = MAX_BODY
    secret = current_app.config.get("LINE_CHANNEL_SECRET")
    if not secret:
        return _problem(503, "LINE_CHANNEL_SECRET is not configured")
    # A chunked body has no Content-Length to refuse by: read up to the limit, then look for
    # one byte more (Werkzeug's limited stream raises 413 there, or hands it over).
    body = request.stream.read(MAX_BODY)
    if len(body) == MAX_BODY and request.stream.read(1):
        return too_large(None)
    try:
        events = intake.parse(body, request.headers.get("X-Line-Signature", ""), secret)
    except intake.BadSignature:
        return _problem(400, "invalid signature")
    except intake.MalformedBody as exc:
        return _problem(400, str(exc))
    try:
        with autocommit_connection() as connection:
            new = intake.record(connection, events)
    except intake.MalformedBody as exc:
        return _problem(400, str(exc))
    except (psycopg.Error, SQLAlchemyError):
        log.exception("could not record %d webhook events", len(events))
        return _problem(503, "could not record the events; please redeliver")
    metrics.WEBHOOK_EVENTS.labels("new").inc(new)
    metrics.WEBHOOK_EVENTS.labels("duplicate").inc(len(events) - new)
    # Debug: the access log already has a line per request, and this path must stay quick.
    log.debug("webhook: %d events, %d new", len(events), new)
    return jsonify(received=len(events), new=new)


@bp.errorhandler(413)
def too_large(_error: Exception | None) -> ResponseReturnValue:
    """Refuse bodies no LINE webhook would send."""
    return _problem(413, f"the body is larger than {MAX_BODY} bytes")


def _problem(status: int, detail: str) -> ResponseReturnValue:
    return jsonify(title=detail, status=status), status
