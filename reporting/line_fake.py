"""A local stand-in for LINE's Messaging API, so tests and the resident simulator run offline."""

from __future__ import annotations

import copy
import hmac
import itertools
import logging
import re
import secrets
import threading
import time
import uuid
from collections import defaultdict
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from http.client import responses
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import jsonify
from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

log = logging.getLogger(__name__)

# Message types LINE documents for sending (textV2, coupon are newer; line-bot-sdk knows them).
MESSAGE_TYPES = frozenset({"text", "textV2", "image", "video", "audio", "location", "sticker",
                           "imagemap", "template", "flex", "coupon"})
# Types LINE returns a quoteToken for in sentMessages, so a later message can quote them.
QUOTABLE_TYPES = frozenset({"text", "textV2", "sticker", "image", "video"})
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20
RETRY_KEY = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
ENDPOINTS = ("reply", "push", "content", "profile", "loading")
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


class ApiError(Exception):
    """An error answered in LINE's shape: {"message", "details": [{"message", "property"}]}."""

    def __init__(self, status: int, message: str, details: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, **(extra or {})}
        if details:
            self.body["details"] = details
        self.headers = headers or {}


def _detail(message: str, prop: str) -> dict[str, str]:
    return {"message": message, "property": prop}


def _invalid_body(details: list[dict[str, str]]) -> ApiError:
    return ApiError(400, f"The request body has {len(details)} error(s)", details)


def _messages_errors(messages: Any) -> list[dict[str, str]]:
    """Check LINE's documented limits on message objects; return one detail per violation."""
    if not isinstance(messages, list) or not MAX_MESSAGES >= len(messages) >= 1:
        return [_detail(f"Size must be between 1 and {MAX_MESSAGES}", "messages")]
    errors = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in MESSAGE_TYPES:
            allowed = ", ".join(sorted(MESSAGE_TYPES))
            errors.append(_detail(f"Must be one of: {allowed}", f"{where}.type"))
            continue
        if kind in ("text", "textV2"):
            text = message.get("text")
            if not isinstance(text, str) or not text:
                errors.append(_detail("May not be empty", f"{where}.text"))
            elif len(text) > MAX_TEXT:
                errors.append(_detail(f"Length must be between 0 and {MAX_TEXT}", f"{where}.text"))
        if "quickReply" in message:
            errors += _quick_reply_errors(message["quickReply"], f"{where}.quickReply")
    return errors


def _quick_reply_errors(quick_reply: Any, where: str) -> list[dict[str, str]]:
    items = quick_reply.get("items") if isinstance(quick_reply, dict) else None
    if not isinstance(items, list) or not MAX_QUICK_REPLY_ITEMS >= len(items) >= 1:
        return [_detail(f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}", f"{where}.items")]
    errors = []
    for j, item in enumerate(items):
        action = item.get("action") if isinstance(item, dict) else None
        if not isinstance(action, dict) or not action.get("type"):
            errors.append(_detail("May not be null", f"{where}.items[{j}].action"))
        elif len(str(action.get("label", ""))) > MAX_LABEL:
            errors.append(_detail(f"Length must be between 0 and {MAX_LABEL}",
                                  f"{where}.items[{j}].action.label"))
    return errors


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
            self.pushes = 0  # accepted push calls: LINE bills one quota unit per recipient
            self.replies = 0
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

    # --- the API, called by the HTTP routes below ---

    def _take_fault(self, endpoint: str) -> _Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.endpoint in (None, endpoint):
                    self._faults.remove(fault)
                    return fault
        return None

    def _hold(self, seconds: float) -> None:
        # An Event wait rather than sleep, so reset() releases held answers at once.
        self._released.wait(seconds)

    def _check_token(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token:
            raise ApiError(401, "Authorization header required. "
                                "Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'")
        if not hmac.compare_digest(token.encode(), self.channel_access_token.encode()):
            raise ApiError(401, "Authentication failed. Confirm that the access token"
                                " in the authorization header is valid.")

    def _reply(self, body: dict[str, Any]) -> dict[str, Any]:
        errors = _messages_errors(body.get("messages"))
        if not isinstance(body.get("replyToken"), str):
            errors.insert(0, _detail("May not be empty", "replyToken"))
        if errors:
            raise _invalid_body(errors)
        with self._cond:
            token = self._reply_tokens.get(body["replyToken"])
            if token is None or not token.usable or (
                self.clock() - token.issued_at > self.reply_token_ttl
            ):
                raise ApiError(400, "Invalid reply token")
            token.usable = False
            self.replies += 1
            return {"sentMessages": self._record(token.user_id, REPLY, body)}

    def _push(self, body: dict[str, Any], retry_key: str | None, request_id: str) -> dict[str, Any]:
        if retry_key is not None and not RETRY_KEY.fullmatch(retry_key):
            raise ApiError(400, "The retry key is invalid. Specify it as a UUID in hexadecimal")
        errors = _messages_errors(body.get("messages"))
        if not isinstance(body.get("to"), str) or not body["to"]:
            errors.insert(0, _detail("May not be empty", "to"))
        if errors:
            raise _invalid_body(errors)
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

    def _content(self, message_id: str) -> _Content:
        with self._cond:
            content = self._contents.get(message_id)
        if content is None:
            raise ApiError(404, "Not found")
        if content.gone:
            raise ApiError(410, "The content is no longer available")
        return content

    def _profile(self, user_id: str) -> dict[str, str]:
        with self._cond:
            profile = self._profiles.get(user_id)
        if profile is None:
            raise ApiError(404, "Not found")
        return dict(profile)

    def _show_loading(self, body: dict[str, Any]) -> None:
        seconds = body.get("loadingSeconds", 20)  # LINE's default when it is left out
        errors = []
        if not isinstance(body.get("chatId"), str) or not body["chatId"]:
            errors.append(_detail("May not be empty", "chatId"))
        if type(seconds) is not int or not 60 >= seconds >= 5 or seconds % 5:
            errors.append(_detail("Must be a multiple of 5 between 5 and 60", "loadingSeconds"))
        if errors:
            raise _invalid_body(errors)
        with self._cond:
            self._loading.append(LoadingAnimation(body["chatId"], seconds, self.clock()))


def _error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def create_fake_app(platform: FakeLinePlatform) -> Flask:
    """Serve LINE's Messaging API paths (api.line.me and api-data.line.me) over platform."""
    app = Flask(__name__)
    app.json = json = DefaultJSONProvider(app)
    json.ensure_ascii = False  # LINE answers UTF-8 JSON, with its keys in its own order
    json.sort_keys = False

    @app.before_request
    def gate() -> Response | None:
        g.request_id = str(uuid.uuid4())
        if request.endpoint not in ENDPOINTS:
            return None
        fault = platform._take_fault(request.endpoint)
        if fault is not None and fault.status is not None:
            return _error(fault.status, {"message": responses.get(fault.status, "Error")})
        g.delay = fault.delay if fault is not None else 0.0
        platform._check_token(request.headers.get("Authorization"))
        # LINE refuses a retry key on APIs that do not support one.
        if request.endpoint != PUSH and "X-Line-Retry-Key" in request.headers:
            raise ApiError(400, "The retry key is not supported on this API")
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["x-line-request-id"] = g.get("request_id", "")
        if g.get("delay"):
            platform._hold(g.delay)
        return response

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return _error(error.status, error.body, error.headers)

    # LINE answers JSON even for paths and methods it does not serve.
    @app.errorhandler(404)
    @app.errorhandler(405)
    def http_error(error: HTTPException) -> Response:
        return _error(error.code or 500, {"message": error.name})

    def json_body() -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body could not be parsed as JSON")
        return body

    @app.post("/v2/bot/message/reply", endpoint=REPLY)
    def reply() -> Response:
        return jsonify(platform._reply(json_body()))

    @app.post("/v2/bot/message/push", endpoint=PUSH)
    def push() -> Response:
        key = request.headers.get("X-Line-Retry-Key")
        return jsonify(platform._push(json_body(), key, g.request_id))

    @app.get("/v2/bot/message/<message_id>/content", endpoint="content")
    def content(message_id: str) -> Response:
        found = platform._content(message_id)
        return Response(found.data, content_type=found.content_type)

    @app.get("/v2/bot/profile/<user_id>", endpoint="profile")
    def profile(user_id: str) -> Response:
        return jsonify(platform._profile(user_id))

    @app.post("/v2/bot/chat/loading/start", endpoint="loading")
    def loading() -> tuple[Response, int]:
        platform._show_loading(json_body())
        return jsonify({}), 202

    return app


class _QuietHandler(WSGIRequestHandler):
    """Keep each test's output free of one access-log line per API call."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve(platform: FakeLinePlatform, host: str = "127.0.0.1",
          port: int = 0) -> Iterator[FakeLinePlatform]:
    """Serve platform over HTTP in a daemon thread; port 0 picks a free port."""
    server = make_server(host, port, create_fake_app(platform), threaded=True,
                         request_handler=_QuietHandler)
    # A short poll keeps shutdown quick at the end of every test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="fake-line", daemon=True)
    thread.start()
    platform.url = f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{server.port}"
    try:
        yield platform
    finally:
        platform.url = None
        platform.release_held()
        server.shutdown()  # serve_forever then closes the socket itself
        thread.join()


def run(host: str, port: int, channel_access_token: str) -> None:
    """Serve a fresh fake platform until interrupted, for the CLI and manual testing."""
    server = make_server(host, port, create_fake_app(FakeLinePlatform(channel_access_token)),
                         threaded=True)
    log.info("fake LINE platform on http://%s:%d", host, server.port)
    server.serve_forever()  # werkzeug's returns quietly on Ctrl-C
