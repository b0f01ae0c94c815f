"""LINE webhook intake: verify, parse, and record each event once with its job, atomically."""

import hashlib
import json
import math
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from typing import Any

import psycopg
from linebot.v3 import SignatureValidator

# Event types the conversation acts on; the rest are recorded and marked handled at once.
HANDLED_TYPES = frozenset({"message", "follow", "unfollow", "postback", "unsend"})
# In a group or room, the bot only says once that it works in one-to-one chats.
CHAT_TYPES = frozenset({"message", "join"})
HANDLE_EVENT_TASK = "handle_line_event"
# Event times LINE could send: after 2000 and before 2100 (epoch milliseconds).
_TIMES = (946_684_800_000, 4_102_444_800_000)


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
    chat_id: str | None = None  # a group or room: no resident, no dialogue
    standby: bool = False  # another channel holds the chat: recorded, never answered
    raw: str | None = None  # the event as sent, when the payload had to replace a value

    @property
    def handled(self) -> bool:
        """Whether a job handles it (the rest are recorded as handled at once)."""
        if self.standby:
            return False
        if self.chat_id is not None:
            return self.event_type in CHAT_TYPES
        return self.event_type in HANDLED_TYPES and self.line_user_id is not None


def parse(body: bytes, signature: str, channel_secret: str) -> list[ReceivedEvent]:
    """Check the signature on the raw body, then read its events as plain JSON.

    The SDK checks the signature (the same check its WebhookParser makes first), but its
    event models are not applied here: they refuse a whole body over one value they do not
    know yet (a new `mode`, say), which would lose residents' events when LINE extends the
    format, and they cost a fifth of the request. The worker reads each stored event.
    A value the database cannot hold (NaN, a lone surrogate, NUL) becomes null (or U+FFFD in
    a string) in the payload, and that event keeps its original text in ``raw``.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody("the body is not UTF-8") from exc
    if not SignatureValidator(channel_secret).validate(text, signature):
        raise BadSignature("the signature does not match the body")
    try:
        document = json.loads(text)
    except RecursionError as exc:
        raise MalformedBody("the body is nested too deeply") from exc
    except ValueError as exc:
        raise MalformedBody("the body is not JSON") from exc
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise MalformedBody("'events' must be a list of objects")
    # JSON carries NUL and lone surrogates only escaped, so these cheap checks find them all;
    # NaN and infinities are found when the events are written out (``record``).
    suspect = "\\u0000" in text or "\\ud" in text or "\\uD" in text
    try:
        return [_received(event, suspect) for event in events]
    except RecursionError as exc:
        raise MalformedBody("an event is nested too deeply") from exc


def _received(event: dict[str, Any], suspect: bool) -> ReceivedEvent:
    raw = None
    if suspect:
        stored = _storable(event)
        if stored != event or _has_nan(event):
            raw = json.dumps(event, ensure_ascii=True)
            event = stored
    source = event.get("source")
    source = source if isinstance(source, dict) else {}
    kind = source.get("type")
    chat = source.get("groupId") if kind == "group" else source.get("roomId")
    chat_id = chat[:64] if kind in ("group", "room") and isinstance(chat, str) and chat else None
    user_id = source.get("userId") if chat_id is None else None
    stamp = event.get("timestamp")
    delivery = event.get("deliveryContext")
    event_id = event.get("webhookEventId")
    if not isinstance(event_id, str) or not event_id:
        # LINE always sends one; without it, the event's own bytes identify it.
        canonical = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
        event_id = "sha256:" + hashlib.sha256(canonical).hexdigest()[:57]
    when = None
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        if _TIMES[0] <= stamp < _TIMES[1]:
            when = datetime.fromtimestamp(stamp / 1000, UTC)
    return ReceivedEvent(
        webhook_event_id=event_id[:64],
        event_type=str(event.get("type", "unknown"))[:32],
        line_user_id=user_id[:64] if isinstance(user_id, str) and user_id else None,
        event_time=when,
        redelivery=bool(isinstance(delivery, dict) and delivery.get("isRedelivery") is True),
        payload=event,
        chat_id=chat_id,
        standby=event.get("mode") == "standby",
        raw=raw,
    )


def _storable(value: Any) -> Any:
    """The value with what PostgreSQL's jsonb cannot hold replaced: NaN and infinities by
    null, NUL characters and lone surrogates by U+FFFD."""
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
            value = value.replace("\x00", "\ufffd")
            return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _has_nan(value: Any) -> bool:
    """NaN is unequal to itself, so a payload holding one never compares equal to its copy."""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False


# One statement records a body's events and makes sure each resident with a new event has a
# job waiting to handle it, so both commit together without a transaction block: one round
# trip. A job handles every pending event of its resident (line.handler.handle_pending), so a
# resident whose job has not started yet needs no second one: after a surge, or while the
# workers are behind, an event costs one row rather than two rows, a job event and a NOTIFY
# (whose commits PostgreSQL serialises). That waiting job is locked FOR SHARE until this
# statement commits: procrastinate's fetch skips locked jobs, so no worker starts it before
# the new event is visible to it; a job being started meanwhile no longer counts as waiting
# (its row is re-checked after the lock), and the resident gets a new one. The waiting job
# is looked up per resident (LATERAL), so by the index on waiting jobs' locks: the planner,
# guessing a hundred events in a body, would otherwise scan and hash every waiting job, a cost
# that grows with the queue, exactly when a surge has made it long.
# A group or room (no resident) is a lock of its own, 'chat:<id>'. Jobs are made by
# procrastinate's own SQL entry point, as `defer` does (tests/reporting/line/test_webhook.py
# checks a job made here equals one made by the library).
RECORD_SQL = """
WITH incoming AS (
    SELECT x.n, e.*
    FROM jsonb_array_elements(%(events)s::jsonb) WITH ORDINALITY AS x(doc, n),
         jsonb_to_record(x.doc) AS e(
             webhook_event_id text, event_type text, line_user_id text, chat_id text,
             event_time timestamptz, redelivery boolean, payload jsonb, raw text,
             handled boolean)
), stored AS (
    INSERT INTO line_events
        (webhook_event_id, event_type, line_user_id, chat_id, event_time, redelivery, payload,
         raw, processed_at)
    SELECT webhook_event_id, event_type, line_user_id, chat_id, event_time, redelivery,
           payload, raw, CASE WHEN handled THEN NULL ELSE now() END
    FROM incoming ORDER BY n
    ON CONFLICT (webhook_event_id) DO NOTHING
    RETURNING id, line_user_id, chat_id, processed_at IS NULL AS handled
), residents AS (
    SELECT coalesce('resident:' || line_user_id, 'chat:' || chat_id) AS lock,
           min(id) AS event_id
    FROM stored WHERE handled GROUP BY 1
), waiting AS (
    SELECT j.lock FROM residents r CROSS JOIN LATERAL (
        SELECT j.lock FROM procrastinate_jobs j
        WHERE j.status = 'todo' AND j.task_name = %(task)s AND j.lock = r.lock
        FOR SHARE
    ) j
)
SELECT (SELECT count(*) FROM stored) AS new,
       procrastinate_defer_jobs_v1(ARRAY(
           SELECT ROW(%(queue)s, %(task)s, 0, lock, NULL,
                      jsonb_build_object('event_id', event_id), NULL
                  )::procrastinate_job_to_defer_v1
           FROM residents WHERE lock NOT IN (SELECT lock FROM waiting) ORDER BY event_id
       )) AS jobs
"""
QUEUE = "default"


def record(connection: psycopg.Connection, events: list[ReceivedEvent]) -> int:
    """Store the events not seen before, each resident's with a job that will handle them;
    return how many were new.

    Runs as one statement on a connection in autocommit mode: when it returns, the events
    and their jobs are committed together, or (on an exception) neither is. A redelivery
    finds its event stored and adds nothing.
    """
    if not events:
        return 0
    rows = [
        {
            "webhook_event_id": event.webhook_event_id,
            "event_type": event.event_type,
            "line_user_id": event.line_user_id,
            "chat_id": event.chat_id,
            "event_time": event.event_time.isoformat() if event.event_time else None,
            "redelivery": event.redelivery,
            "payload": event.payload,
            "raw": event.raw,
            "handled": event.handled,
        }
        for event in events
    ]
    try:
        try:
            encoded = json.dumps(rows, ensure_ascii=False, allow_nan=False)
        except ValueError:  # NaN or an infinity (1e400): jsonb holds neither
            finite = [_received(e.payload, suspect=True) for e in events]
            return record(connection, [replace(f, raw=e.raw or f.raw) for e, f in zip(
                events, finite, strict=True)])
    except RecursionError as exc:  # parsed, but one level too deep to write out again
        raise MalformedBody("an event is nested too deeply") from exc
    params = {"events": encoded, "queue": QUEUE, "task": HANDLE_EVENT_TASK}
    row = connection.execute(RECORD_SQL, params).fetchone()
    return int(row[0]) if row else 0
