"""The LINE channel's background jobs, each run in its own application context."""

import logging
from datetime import UTC
from datetime import datetime
from typing import Any

import procrastinate
from flask import Flask
from procrastinate import JobContext
from procrastinate import RetryStrategy
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import SQLAlchemyError

from reporting.db import db
from reporting.line.api import LineUnavailable
from reporting.line.handler import Channel
from reporting.line.handler import handle_pending
from reporting.line.intake import HANDLE_EVENT_TASK
from reporting.line.media import photo_urls
from reporting.line.sender import send_messages
from reporting.models import LineEvent
from reporting.outbox import SEND_TASK

log = logging.getLogger(__name__)

# Transient failures retry with backoff: about 2, 4, 8 ... seconds, 10 tries in all (~35 min).
RETRY = RetryStrategy(
    max_attempts=10,
    exponential_wait=2,
    retry_exceptions={LineUnavailable, OperationalError},
)


def register(queue: procrastinate.App) -> None:
    """Add the channel's tasks to a job queue."""
    queue.task(name=HANDLE_EVENT_TASK, pass_context=True, retry=RETRY)(handle_line_event)
    queue.task(name=SEND_TASK, pass_context=True, retry=RETRY)(send_line_messages)


def _flask_app(context: JobContext) -> Flask:
    return context.additional_context["flask_app"]


def handle_line_event(context: JobContext, event_id: int) -> None:
    """Handle a recorded event; on failure, note the error on the event for operators."""
    app = _flask_app(context)
    with app.app_context():
        try:
            handle_pending(db.session(), channel(app), event_id, datetime.now(UTC))
        except Exception as exc:
            db.session.rollback()
            _note_failure(event_id, exc)
            raise


def send_line_messages(context: JobContext, **kwargs: Any) -> None:
    """Deliver messages queued by the handler or by a status notification."""
    app = _flask_app(context)
    with app.app_context():
        send_messages(
            db.session(),
            app.extensions["tsuho.line"],
            now=datetime.now(UTC),
            photo_urls=photo_urls(app),
            **kwargs,
        )
        db.session.rollback()


def channel(app: Flask) -> Channel:
    """Return what the handler needs, from the application's extensions."""
    return Channel(
        line=app.extensions["tsuho.line"],
        photos=app.extensions["tsuho.photos"],
        city=app.extensions["tsuho.city"],
        queue=app.extensions["tsuho.defer"],
    )


def _note_failure(event_id: int, exc: Exception) -> None:
    """Keep the latest error on the event, where operators look; the job will retry."""
    try:
        db.session.execute(
            update(LineEvent)
            .where(LineEvent.id == event_id)
            .values(attempts=LineEvent.attempts + 1, error=f"{type(exc).__name__}: {exc}"[:2000])
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not note the failure of event %s", event_id, exc_info=True)
