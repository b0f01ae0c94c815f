"""Messages for a resident, queued in the caller's transaction for the channel to send."""

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

import procrastinate
from sqlalchemy.orm import Session

from reporting.dialogue import conversation as talk

# The task that delivers them; the LINE channel registers it (``reporting.line.jobs``).
SEND_TASK = "send_line_messages"
# LINE takes at most five messages in one reply or push.
BATCH = 5


def queue_messages(
    session: Session,
    queue: procrastinate.App,
    *,
    line_user_id: str,
    messages: Sequence[talk.Reply],
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
            messages=[asdict(m) for m in messages[start : start + BATCH]],
            retry_key=str(uuid.uuid5(retry_key, str(start))),
            reply_token=reply_token if start == 0 else None,
            event_time=event_time.isoformat() if event_time else None,
        )
