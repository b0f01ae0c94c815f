"""Webhook events as the LINE platform sends them, for tests and the resident simulator."""

# Shapes follow https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects
# and line-bot-sdk's generated models; reply tokens come from the fake platform, so the bot
# can really answer what it receives.

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from typing import Any

from reporting.line.sandbox.fake.platform import FakeLinePlatform

EventJson = dict[str, Any]
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def signature(body: bytes, channel_secret: str) -> str:
    """Return the X-Line-Signature LINE puts on body: base64 of HMAC-SHA256 by the secret."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_body(destination: str, events: Iterable[EventJson]) -> bytes:
    """Return the POST body LINE sends to the webhook URL; destination is the bot's user id."""
    payload = {"destination": destination, "events": list(events)}
    return json.dumps(payload, ensure_ascii=False).encode()


def redelivered(event: EventJson) -> EventJson:
    """Return event as LINE redelivers it after the bot failed to answer, same webhookEventId."""
    again = copy.deepcopy(event)
    again["deliveryContext"] = {"isRedelivery": True}
    return again


def ulid(milliseconds: int) -> str:
    """Return a ULID (time-ordered, 26 Crockford base32 characters), LINE's webhookEventId."""
    value = (milliseconds & (2**48 - 1)) << 80 | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class EventBuilder:
    """Builds webhook event objects; message contents and reply tokens go through the platform."""

    def __init__(self, platform: FakeLinePlatform) -> None:
        self.platform = platform

    def _event(
        self, kind: str, source: dict[str, str], reply_to: str | None, **body: Any
    ) -> EventJson:
        timestamp = int(self.platform.clock() * 1000)
        event: EventJson = {
            "type": kind,
            "mode": "active",
            "timestamp": timestamp,
            "source": source,
            "webhookEventId": ulid(timestamp),
            "deliveryContext": {"isRedelivery": False},
        }
        if reply_to is not None:
            event["replyToken"] = self.platform.issue_reply_token(reply_to)
        return {**event, **body}

    def _user_event(self, kind: str, user_id: str, *, reply: bool, **body: Any) -> EventJson:
        return self._event(kind, {"type": "user", "userId": user_id},
                           user_id if reply else None, **body)

    def _message(
        self, user_id: str, kind: str, *, quotable: bool = True, **fields: Any
    ) -> EventJson:
        message: dict[str, Any] = {"id": self.platform.new_message_id(), "type": kind, **fields}
        if quotable:
            message["quoteToken"] = secrets.token_urlsafe(24)
        message["markAsReadToken"] = secrets.token_urlsafe(24)
        return self._user_event("message", user_id, reply=True, message=message)

    def _media(self, user_id: str, kind: str, data: bytes | None, content_type: str, *,
               quotable: bool = True, **fields: Any) -> EventJson:
        event = self._message(user_id, kind, quotable=quotable, contentProvider={"type": "line"},
                              **fields)
        if data is not None:
            self.platform.add_content(event["message"]["id"], data, content_type)
        return event

    # --- message events ---

    def text(self, user_id: str, text: str, *, quoted_message_id: str | None = None) -> EventJson:
        extra: dict[str, Any] = {"quotedMessageId": quoted_message_id} if quoted_message_id else {}
        return self._message(user_id, "text", text=text, **extra)

    def image(
        self,
        user_id: str,
        data: bytes | None = None,
        *,
        content_type: str = "image/jpeg",
        image_set: tuple[str, int, int] | None = None,
    ) -> EventJson:
        """An image message; data becomes downloadable; image_set is (set id, index, total)."""
        extra: dict[str, Any] = {}
        if image_set is not None:
            set_id, index, total = image_set
            extra["imageSet"] = {"id": set_id, "index": index, "total": total}
        return self._media(user_id, "image", data, content_type, **extra)

    def video(self, user_id: str, data: bytes | None = None, *, duration_ms: int = 5000,
              content_type: str = "video/mp4") -> EventJson:
        return self._media(user_id, "video", data, content_type, duration=duration_ms)

    def audio(self, user_id: str, data: bytes | None = None, *, duration_ms: int = 5000,
              content_type: str = "audio/x-m4a") -> EventJson:
        return self._media(user_id, "audio", data, content_type, quotable=False,
                           duration=duration_ms)

    def file(self, user_id: str, file_name: str, data: bytes,
             content_type: str = "application/octet-stream") -> EventJson:
        event = self._message(user_id, "file", quotable=False, fileName=file_name,
                              fileSize=len(data))
        self.platform.add_content(event["message"]["id"], data, content_type)
        return event

    def location(self, user_id: str, latitude: float, longitude: float, *,
                 address: str = "", title: str | None = None) -> EventJson:
        extra: dict[str, Any] = {"title": title} if title is not None else {}
        return self._message(user_id, "location", quotable=False, address=address,
                             latitude=latitude, longitude=longitude, **extra)

    def sticker(self, user_id: str, package_id: str = "446", sticker_id: str = "1988", *,
                resource_type: str = "STATIC", keywords: list[str] | None = None) -> EventJson:
        extra: dict[str, Any] = {"keywords": keywords} if keywords else {}
        return self._message(user_id, "sticker", packageId=package_id, stickerId=sticker_id,
                             stickerResourceType=resource_type, **extra)

    # --- other events ---

    def follow(self, user_id: str, *, unblocked: bool = False) -> EventJson:
        return self._user_event("follow", user_id, reply=True, follow={"isUnblocked": unblocked})

    def unfollow(self, user_id: str) -> EventJson:
        return self._user_event("unfollow", user_id, reply=False)

    def postback(self, user_id: str, data: str, *,
                 params: dict[str, str] | None = None) -> EventJson:
        postback: dict[str, Any] = {"data": data}
        if params is not None:
            postback["params"] = params
        return self._user_event("postback", user_id, reply=True, postback=postback)

    def unsend(self, user_id: str, message_id: str) -> EventJson:
        return self._user_event("unsend", user_id, reply=False, unsend={"messageId": message_id})

    def beacon(self, user_id: str, hwid: str = "d41d8cd98f", beacon_type: str = "enter", *,
               dm: str | None = None) -> EventJson:
        beacon = {"hwid": hwid, "type": beacon_type, **({"dm": dm} if dm is not None else {})}
        return self._user_event("beacon", user_id, reply=True, beacon=beacon)

    # Join, leave and memberJoined only happen in group chats, so their source is the group.

    def join(self, group_id: str) -> EventJson:
        return self._event("join", {"type": "group", "groupId": group_id}, group_id)

    def leave(self, group_id: str) -> EventJson:
        return self._event("leave", {"type": "group", "groupId": group_id}, None)

    def member_joined(self, group_id: str, user_ids: Iterable[str]) -> EventJson:
        members = [{"type": "user", "userId": user_id} for user_id in user_ids]
        return self._event("memberJoined", {"type": "group", "groupId": group_id}, group_id,
                           joined={"members": members})

    def unknown(self, user_id: str, kind: str = "futureEvent", **fields: Any) -> EventJson:
        """An event type this SDK version does not know yet, which the bot must tolerate."""
        return self._user_event(kind, user_id, reply=False, **fields)
