"""Turn a LINE webhook event into the conversation's event: the one place lat/lon swap."""

import math
from typing import Any

from reporting.dialogue import conversation as talk


def translate(event: dict[str, Any]) -> talk.Event:
    """Return the conversation event for a LINE event; anything unexpected is Unsupported."""
    kind = event.get("type")
    if kind == "follow":
        return talk.Follow()
    if kind == "unfollow":
        return talk.Unfollow()
    if kind == "postback":
        data = (event.get("postback") or {}).get("data")
        return talk.Postback(data) if isinstance(data, str) else talk.Unsupported("postback")
    if kind == "unsend":
        message_id = (event.get("unsend") or {}).get("messageId")
        return talk.Unsend(str(message_id)) if message_id else talk.Unsupported("unsend")
    if kind == "message":
        return _message(event.get("message") or {})
    return talk.Unsupported(str(kind))


def _message(message: dict[str, Any]) -> talk.Event:
    kind = message.get("type")
    if kind == "text" and isinstance(message.get("text"), str):
        return talk.Text(message["text"])
    if kind == "image" and message.get("id"):
        image_set = message.get("imageSet") or {}
        return talk.Image(
            message_id=str(message["id"]),
            image_set_id=_str(image_set.get("id")),
            image_set_index=_int(image_set.get("index")),
            image_set_total=_int(image_set.get("total")),
        )
    if kind == "location":
        lon, lat = _number(message.get("longitude")), _number(message.get("latitude"))
        if lon is not None and lat is not None:
            return talk.Location(
                lon=lon,
                lat=lat,
                address=_str(message.get("address")),
                title=_str(message.get("title")),
            )
    return talk.Unsupported(str(kind))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
