"""Messages for a resident, queued in the caller's transaction for the channel to send."""

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate
from sqlalchemy.orm import Session

from reporting.dialogue import conversation as talk

# The task that delivers them; the LINE channel registers it (``reporting.line.jobs``).
SEND_TASK = "send_line_messages"
# LINE takes at most five messages in one reply or push.
BATCH = 5


@dataclass(frozen=True)
class PhotoMessage:
    """A stored photo to show the resident as an image; the channel serves it to its platform."""

    photo_id: int


def _payload(message: talk.Reply | PhotoMessage) -> dict[str, Any]:
    if isinstance(message, PhotoMessage):
        return {"type": "photo", "photo_id": message.photo_id}
    return asdict(message)


def queue_messages(
    session: Session,
    queue: procrastinate.App,
    *,
    line_user_id: str,
    messages: Sequence[talk.Reply | PhotoMessage],
    retry_key: uuid.UUID,
    reply_token: str | None = None,
    event_time: datetime | None = None,
) -> None:
    """Queue messages for a resident in the caller's transaction, five to a send."""
    for start in range(0, len(messages), BATCH):
        queue.configure_task(
            SEND_TASK,
            lock=f"send:{line_user_id}",
            connection=session.connection().connection.driver_connection,
        ).defer(
            line_user_id=line_user_id,
            messages=[_payload(m) for m in messages[start : start + BATCH]],
            retry_key=str(uuid.uuid5(retry_key, str(start))),
            reply_token=reply_token if start == 0 else None,
            event_time=event_time.isoformat() if event_time else None,
        )
