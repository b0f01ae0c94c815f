"""LINE webhook intake: verify, parse, and record each event once with its job, atomically."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

import procrastinate
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from reporting.models import LineEvent

# Event types the conversation acts on; the rest are recorded and marked handled at once.
HANDLED_TYPES = frozenset({"message", "follow", "unfollow", "postback", "unsend"})
HANDLE_EVENT_TASK = "handle_line_event"


class BadSignature(ValueError):
    """X-Line-Signature is missing or is not the channel's HMAC of the body."""


class MalformedBody(ValueError):
    """The body is signed but is not a LINE webhook payload."""


@dataclass(frozen=True)
class ReceivedEvent:
    webhook_event_id: str
    event_type: str
    line_user_id: str | None
    event_time: datetime | None
    redelivery: bool
    payload: dict[str, Any]


def parse(body: bytes, signature: str, channel_secret: str) -> list[ReceivedEvent]:
    """Check the signature on the raw body, then read its events."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody("the body is not UTF-8") from exc
    try:
        # The SDK checks the signature before it reads anything.
        WebhookParser(channel_secret).parse(text, signature)
    except InvalidSignatureError as exc:
        raise BadSignature("the signature does not match the body") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MalformedBody(f"not a webhook payload ({type(exc).__name__})") from exc
    events = json.loads(text).get("events")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise MalformedBody("'events' must be a list of objects")
    return [_received(event) for event in events]


def _storable(value: Any) -> Any:
    """Replace NUL characters, which PostgreSQL's text and jsonb cannot hold."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _received(event: dict[str, Any]) -> ReceivedEvent:
    source = event.get("source")
    user_id = source.get("userId") if isinstance(source, dict) else None
    stamp = event.get("timestamp")
    delivery = event.get("deliveryContext")
    event_id = event.get("webhookEventId")
    if not isinstance(event_id, str) or not event_id:
        # LINE always sends one; without it, the event's own bytes identify it.
        canonical = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
        event_id = "sha256:" + hashlib.sha256(canonical).hexdigest()[:57]
    return ReceivedEvent(
        webhook_event_id=event_id[:64],
        event_type=str(event.get("type", "unknown"))[:32],
        line_user_id=user_id[:64] if isinstance(user_id, str) else None,
        event_time=(
            datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int | float) else None
        ),
        redelivery=bool(isinstance(delivery, dict) and delivery.get("isRedelivery")),
        payload=_storable(event),
    )


def record(session: Session, queue: procrastinate.App, events: list[ReceivedEvent]) -> int:
    """Store events not seen before and queue a job for each, in the caller's transaction.

    The job is inserted on the same connection as the event, so both commit or neither
    does: an acknowledged event always has its job, and a redelivery finds it stored.
    """
    new = 0
    for event in events:
        handled = event.event_type in HANDLED_TYPES and event.line_user_id is not None
        row_id = session.execute(
            insert(LineEvent)
            .values(
                webhook_event_id=event.webhook_event_id,
                event_type=event.event_type,
                line_user_id=event.line_user_id,
                event_time=event.event_time,
                redelivery=event.redelivery,
                payload=event.payload,
                processed_at=None if handled else datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=[LineEvent.webhook_event_id])
            .returning(LineEvent.id)
        ).scalar()
        if row_id is None:
            continue
        new += 1
        if handled:
            queue.configure_task(
                HANDLE_EVENT_TASK,
                lock=f"resident:{event.line_user_id}",
                connection=_driver_connection(session.connection()),
            ).defer(event_id=row_id)
    return new


def _driver_connection(connection: Connection) -> Any:
    return connection.connection.driver_connection
