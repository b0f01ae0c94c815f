"""A local stand-in for LINE's Messaging API, so tests and the resident simulator run offline.

This module holds the platform's state: what it issued, holds and was sent. What it refuses is
in reporting.line.sandbox.fake.rules; reporting.line.sandbox.fake.server serves it over HTTP.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from collections import defaultdict
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from reporting.line.sandbox.fake.rules import QUOTABLE_TYPES
from reporting.line.sandbox.fake.rules import ApiError
from reporting.line.sandbox.fake.rules import check_push
from reporting.line.sandbox.fake.rules import check_reply
from reporting.line.sandbox.fake.rules import check_rich_menu
from reporting.line.sandbox.fake.rules import check_rich_menu_image
from reporting.line.sandbox.fake.rules import loading_seconds

ENDPOINTS = ("reply", "push", "content", "profile", "loading", "richmenu")
REPLY = "reply"
PUSH = "push"


@dataclass(frozen=True)
class SentMessage:
    """One message object the bot sent a user, as LINE accepted it."""

    user_id: str
    channel: str  # "reply" or "push": pushes count against the city's monthly quota
    message: dict[str, Any] = field(hash=False)
    sent_at: float
    message_id: str
    notification_disabled: bool = False

    @property
    def type(self) -> str:
        return str(self.message.get("type"))

    @property
    def text(self) -> str | None:
        if self.type in ("text", "textV2"):
            return str(self.message.get("text"))
        return None

    @property
    def quick_reply_labels(self) -> tuple[str, ...]:
        items = (self.message.get("quickReply") or {}).get("items") or []
        return tuple(str(item.get("action", {}).get("label", "")) for item in items)


@dataclass(frozen=True)
class LoadingAnimation:
    """A loading indicator the bot showed, so tests can assert it was asked for."""

    chat_id: str
    seconds: int
    shown_at: float




@dataclass
class _ReplyToken:
    user_id: str
    issued_at: float
    usable: bool = True


@dataclass
class _Content:
    data: bytes
    content_type: str
    gone: bool = False


@dataclass(frozen=True)
class _Fault:
    status: int | None  # None: answer normally, only late
    delay: float
    endpoint: str | None


class FakeLinePlatform:
    """Thread-safe state of the fake LINE platform: what it issued, holds and was sent."""

    def __init__(self, channel_access_token: str = "fake-channel-access-token", *,
                 reply_token_ttl: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.channel_access_token = channel_access_token
        self.reply_token_ttl = reply_token_ttl
        self.clock = clock
        self.url: str | None = None
        # One condition guards all state, so wait_for_messages wakes exactly when a message lands.
        self._cond = threading.Condition(threading.RLock())
        self._ids = itertools.count(600_000_000_000_000_001)
        self.reset()

    def reset(self) -> None:
        """Forget everything issued, registered, sent and queued, keeping the configuration."""
        with self._cond:
            self._reply_tokens: dict[str, _ReplyToken] = {}
            self._contents: dict[str, _Content] = {}
            self._profiles: dict[str, dict[str, str]] = {}
            self._sent: list[SentMessage] = []
            self._by_user: dict[str, list[SentMessage]] = defaultdict(list)
            self._retry_keys: dict[str, tuple[str, list[dict[str, str]]]] = {}
            self._faults: deque[_Fault] = deque()
            self._loading: list[LoadingAnimation] = []
            self._rich_menus: dict[str, dict[str, Any]] = {}
            self._rich_menu_images: dict[str, bytes] = {}
            self.default_rich_menu: str | None = None
            self.pushes = 0  # accepted push calls: LINE bills one quota unit per recipient
            self.replies = 0
            self.rate_limited = 0  # calls answered 429 by limit_rate
            self._rate: float | None = None
            self._allowance = 0.0
            self._allowance_at = 0.0
            self.release_held()
            self._cond.notify_all()

    def release_held(self) -> None:
        """Answer calls held back by delay_next now, so shutdown and reset need not wait."""
        with self._cond:
            released = getattr(self, "_released", None)
            if released is not None:
                released.set()
            self._released = threading.Event()

    # --- set-up used by tests, event builders and the simulator ---

    def new_message_id(self) -> str:
        """Return a fresh numeric message id, shared by inbound and sent messages as on LINE."""
        return str(next(self._ids))

    def issue_reply_token(self, user_id: str) -> str:
        """Issue a reply token for an event from user_id, valid once within reply_token_ttl."""
        token = secrets.token_hex(16)
        with self._cond:
            self._reply_tokens[token] = _ReplyToken(user_id, self.clock())
        return token

    def expire_reply_token(self, token: str) -> None:
        with self._cond:
            self._reply_tokens[token].usable = False

    def add_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with self._cond:
            self._contents[message_id] = _Content(bytes(data), content_type)

    def expire_content(self, message_id: str) -> None:
        """Mark content as deleted by LINE, which then answers 410 Gone."""
        with self._cond:
            self._contents[message_id].gone = True

    def set_profile(self, user_id: str, display_name: str = "LINEユーザー", *,
                    language: str | None = "ja", picture_url: str | None = None,
                    status_message: str | None = None) -> None:
        profile = {"displayName": display_name, "userId": user_id, "language": language,
                   "pictureUrl": picture_url, "statusMessage": status_message}
        with self._cond:
            # LINE leaves out what the user has not set or consented to share.
            self._profiles[user_id] = {k: v for k, v in profile.items() if v is not None}

    def fail_next(self, count: int, status: int = 500, *, endpoint: str | None = None) -> None:
        """Make the next count API calls (to endpoint, if given) fail with status, unprocessed."""
        self._queue_faults(count, _Fault(status, 0.0, endpoint))

    def delay_next(self, count: int, seconds: float, *, endpoint: str | None = None) -> None:
        """Carry out the next count calls but answer late, as when LINE accepts and we time out."""
        self._queue_faults(count, _Fault(None, seconds, endpoint))

    def limit_rate(self, calls_per_second: float | None) -> None:
        """Answer 429 to replies and pushes above this rate, as LINE does past a channel's
        limit (a token bucket holding one second's calls); None lifts the limit."""
        with self._cond:
            self._rate = calls_per_second
            self._allowance = calls_per_second or 0.0
            self._allowance_at = time.monotonic()

    def over_rate(self, endpoint: str) -> bool:
        """Take one call from the bucket; say whether the call is over the limit."""
        if endpoint not in (REPLY, PUSH):
            return False
        with self._cond:
            if self._rate is None:
                return False
            now = time.monotonic()
            self._allowance = min(
                self._rate, self._allowance + (now - self._allowance_at) * self._rate
            )
            self._allowance_at = now
            if self._allowance < 1:
                self.rate_limited += 1
                return True
            self._allowance -= 1
            return False

    def _queue_faults(self, count: int, fault: _Fault) -> None:
        if fault.endpoint is not None and fault.endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {ENDPOINTS}")
        with self._cond:
            self._faults.extend([fault] * count)

    # --- inspection ---

    @property
    def sent(self) -> list[SentMessage]:
        with self._cond:
            return list(self._sent)

    def sent_to(self, user_id: str) -> list[SentMessage]:
        with self._cond:
            return list(self._by_user.get(user_id, []))

    @property
    def loading_animations(self) -> list[LoadingAnimation]:
        with self._cond:
            return list(self._loading)

    def wait_for_messages(self, user_id: str, count: int,
                          timeout: float = 5.0) -> list[SentMessage]:
        """Block until user_id was sent count messages, for bots that answer from a worker."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._by_user[user_id]) >= count, timeout):
                got = [m.text or m.type for m in self._by_user[user_id]]
                raise TimeoutError(f"{user_id} was sent {len(got)} of {count} messages: {got}")
            return list(self._by_user[user_id])

    # --- the API, as reporting.line.sandbox.fake.server's routes call it ---

    def take_fault(self, endpoint: str) -> _Fault | None:
        """The next queued fault for a call to endpoint, taken off the queue."""
        with self._cond:
            for fault in self._faults:
                if fault.endpoint in (None, endpoint):
                    self._faults.remove(fault)
                    return fault
        return None

    def hold(self, seconds: float) -> None:
        """Hold an answer back, as delay_next asked, until reset or shutdown releases it."""
        # An Event wait rather than sleep, so reset() releases held answers at once.
        self._released.wait(seconds)

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send a reply with its one-time token and answer as LINE does."""
        check_reply(body)
        with self._cond:
            token = self._reply_tokens.get(body["replyToken"])
            if token is None or not token.usable or (
                self.clock() - token.issued_at > self.reply_token_ttl
            ):
                raise ApiError(400, "Invalid reply token")
            token.usable = False
            self.replies += 1
            return {"sentMessages": self._record(token.user_id, REPLY, body)}

    def push(self, body: dict[str, Any], retry_key: str | None, request_id: str) -> dict[str, Any]:
        """Send a push, once per retry key, and answer as LINE does."""
        check_push(body, retry_key)
        with self._cond:
            if retry_key is not None and retry_key in self._retry_keys:
                accepted_id, sent = self._retry_keys[retry_key]
                raise ApiError(409, "The retry key is already accepted",
                               headers={"x-line-accepted-request-id": accepted_id},
                               extra={"sentMessages": sent})
            self.pushes += 1
            sent = self._record(body["to"], PUSH, body)
            if retry_key is not None:
                self._retry_keys[retry_key] = (request_id, sent)
            return {"sentMessages": sent}

    def _record(self, user_id: str, channel: str, body: dict[str, Any]) -> list[dict[str, str]]:
        sent = []
        for message in body["messages"]:
            record = SentMessage(user_id, channel, copy.deepcopy(message), self.clock(),
                                 self.new_message_id(), bool(body.get("notificationDisabled")))
            self._sent.append(record)
            self._by_user[user_id].append(record)
            answer = {"id": record.message_id}
            if record.type in QUOTABLE_TYPES:
                answer["quoteToken"] = secrets.token_urlsafe(24)
            sent.append(answer)
        self._cond.notify_all()
        return sent

    def content(self, message_id: str) -> _Content:
        """A message's content as the user sent it, until LINE deletes it."""
        with self._cond:
            content = self._contents.get(message_id)
        if content is None:
            raise ApiError(404, "Not found")
        if content.gone:
            raise ApiError(410, "The content is no longer available")
        return content

    def profile(self, user_id: str) -> dict[str, str]:
        """What the user's profile shares."""
        with self._cond:
            profile = self._profiles.get(user_id)
        if profile is None:
            raise ApiError(404, "Not found")
        return dict(profile)

    def show_loading(self, body: dict[str, Any]) -> None:
        """Record a loading animation the bot asked for."""
        seconds = loading_seconds(body)
        with self._cond:
            self._loading.append(LoadingAnimation(body["chatId"], seconds, self.clock()))

    # --- rich menus ---

    def create_rich_menu(self, body: dict[str, Any]) -> dict[str, str]:
        """Keep a rich menu object; answer its new id."""
        check_rich_menu(body)
        menu_id = f"richmenu-{secrets.token_hex(16)}"
        with self._cond:
            self._rich_menus[menu_id] = copy.deepcopy(body)
        return {"richMenuId": menu_id}

    def rich_menu_list(self) -> dict[str, list[dict[str, Any]]]:
        with self._cond:
            return {"richmenus": [{"richMenuId": k, **v} for k, v in self._rich_menus.items()]}

    def _rich_menu(self, menu_id: str) -> dict[str, Any]:
        menu = self._rich_menus.get(menu_id)
        if menu is None:
            raise ApiError(404, "Not found")
        return menu

    def upload_rich_menu_image(self, menu_id: str, data: bytes, content_type: str | None) -> None:
        """Attach the menu's image; LINE takes one image per menu, never a replacement."""
        with self._cond:
            menu = self._rich_menu(menu_id)
            if menu_id in self._rich_menu_images:
                raise ApiError(400, "An image has already been uploaded to the richmenu")
            check_rich_menu_image(data, content_type, menu["size"])
            self._rich_menu_images[menu_id] = bytes(data)

    def rich_menu_image(self, menu_id: str) -> bytes | None:
        with self._cond:
            return self._rich_menu_images.get(menu_id)

    def set_default_rich_menu(self, menu_id: str) -> None:
        with self._cond:
            self._rich_menu(menu_id)
            if menu_id not in self._rich_menu_images:
                raise ApiError(400, "must upload richmenu image before applying it to user")
            self.default_rich_menu = menu_id

    def get_default_rich_menu(self) -> dict[str, str]:
        with self._cond:
            if self.default_rich_menu is None:
                raise ApiError(404, "no default richmenu")
            return {"richMenuId": self.default_rich_menu}

    def delete_rich_menu(self, menu_id: str) -> None:
        with self._cond:
            self._rich_menu(menu_id)
            del self._rich_menus[menu_id]
            self._rich_menu_images.pop(menu_id, None)
            if self.default_rich_menu == menu_id:
                self.default_rich_menu = None
