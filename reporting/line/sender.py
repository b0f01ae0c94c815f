"""Deliver queued messages to a resident: reply while the token is fresh, push after."""

import uuid
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.dialogue import conversation as talk
from reporting.line.api import Image
from reporting.line.api import LineClient
from reporting.line.api import LineRefused
from reporting.line.api import Outgoing
from reporting.models import Resident

# LINE's reply tokens last a minute; past this margin a push is the safe way.
REPLY_WINDOW = timedelta(seconds=50)


def send_messages(
    session: Session,
    line: LineClient,
    *,
    line_user_id: str,
    messages: Sequence[Mapping[str, Any]],
    retry_key: str,
    reply_token: str | None,
    event_time: str | None,
    now: datetime,
    photo_urls: Callable[[int], Image | None],
) -> str:
    """Send, and say how: "reply", "push", or "skipped" for a resident who unfollowed.

    ``photo_urls`` gives a queued photo's image message, or None when it cannot be served.
    """
    followed = session.scalar(
        select(Resident.followed).where(Resident.line_user_id == line_user_id)
    )
    if followed is False:
        return "skipped"
    replies = [m for m in (_outgoing(m, photo_urls) for m in messages) if m is not None]
    if not replies:
        return "skipped"
    fresh = event_time is not None and now - datetime.fromisoformat(event_time) < REPLY_WINDOW
    if reply_token and fresh:
        try:
            line.reply(reply_token, replies)
            return "reply"
        except LineRefused as exc:
            # Used or expired after all (a retry after a lost answer): push instead.
            if exc.status != 400:
                raise
    line.push(line_user_id, replies, uuid.UUID(retry_key))
    return "push"


def _outgoing(
    message: Mapping[str, Any], photo_urls: Callable[[int], Image | None]
) -> Outgoing | None:
    """Rebuild a queued message; a photo becomes LINE's image message, if it can be served."""
    if message.get("type") == "photo":
        return photo_urls(int(message["photo_id"]))
    return talk.Reply(
        text=message["text"],
        quick_replies=tuple(talk.QuickReply(**q) for q in message.get("quick_replies", ())),
    )
