"""The one place that talks to the LINE Platform: replies, pushes, content, profiles and the
rich menu."""

import uuid
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import urllib3
from linebot.v3.messaging import ApiClient
from linebot.v3.messaging import ApiException
from linebot.v3.messaging import CameraAction
from linebot.v3.messaging import CameraRollAction
from linebot.v3.messaging import Configuration
from linebot.v3.messaging import ImageMessage
from linebot.v3.messaging import LocationAction
from linebot.v3.messaging import MessageAction
from linebot.v3.messaging import MessagingApi
from linebot.v3.messaging import MessagingApiBlob
from linebot.v3.messaging import PostbackAction
from linebot.v3.messaging import PushMessageRequest
from linebot.v3.messaging import QuickReply
from linebot.v3.messaging import QuickReplyItem
from linebot.v3.messaging import ReplyMessageRequest
from linebot.v3.messaging import RichMenuRequest
from linebot.v3.messaging import ShowLoadingAnimationRequest
from linebot.v3.messaging import TextMessage
from linebot.v3.messaging import URIAction

from reporting.dialogue import conversation
from reporting.operations import metrics

# Both of LINE's hosts (api.line.me and api-data.line.me) are replaced by LINE_API_HOST.
LINE_API = "https://api.line.me"
LINE_DATA_API = "https://api-data.line.me"
# Seconds to wait for LINE before calling it a transient failure.
TIMEOUT = (3.05, 10)


class LineUnavailable(RuntimeError):
    """LINE answered 5xx or not at all: worth retrying later."""


class LineRefused(RuntimeError):
    """LINE refused the call (4xx): retrying the same call will not help."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"LINE answered {status}: {body[:300]}")
        self.status = status


class ContentGone(LineRefused):
    """The content is no longer on LINE's servers (404 or 410)."""


@dataclass(frozen=True)
class Image:
    """An image message: LINE fetches both URLs (https) and shows the preview in the chat."""

    original_url: str
    preview_url: str


# What we send: texts (with quick replies) and images.
Outgoing = conversation.Reply | Image


@dataclass(frozen=True)
class Profile:
    display_name: str
    language: str | None


class LineClient:
    """LINE's Messaging API for one channel; one client per process, reused across calls."""

    def __init__(self, access_token: str, host: str | None = None) -> None:
        self._access_token = access_token
        # line-bot-sdk joins host and path as strings: a trailing slash would double up.
        self._host = host.rstrip("/") if host else None
        self._clients: dict[str, ApiClient] = {}

    def _client(self, host: str) -> ApiClient:
        base = self._host or host
        if base not in self._clients:
            config = Configuration(host=base, access_token=self._access_token)
            self._clients[base] = ApiClient(config)
        return self._clients[base]

    def close(self) -> None:
        """Close the connection pools (the SDK's own close leaves them open)."""
        for client in self._clients.values():
            client.rest_client.pool_manager.clear()
            client.close()
        self._clients.clear()

    def reply(self, reply_token: str, messages: Sequence[Outgoing]) -> None:
        """Answer with a reply token: free, but single use and valid for a minute."""
        request = ReplyMessageRequest(reply_token=reply_token, messages=_line_messages(messages))
        with _calls("reply"):
            client = self._client(LINE_API)
            MessagingApi(client).reply_message(request, _request_timeout=TIMEOUT)

    def push(
        self, user_id: str, messages: Sequence[Outgoing], retry_key: uuid.UUID
    ) -> None:
        """Push to a user; the same retry key never delivers twice (409 means already sent)."""
        request = PushMessageRequest(to=user_id, messages=_line_messages(messages))
        try:
            with _calls("push"):
                client = self._client(LINE_API)
                MessagingApi(client).push_message(
                    request, x_line_retry_key=str(retry_key), _request_timeout=TIMEOUT
                )
        except LineRefused as exc:
            if exc.status != 409:
                raise

    def content(self, message_id: str) -> bytes:
        """Download what a user sent (LINE deletes it after a while, so fetch it at once)."""
        try:
            with _calls("content"):
                client = self._client(LINE_DATA_API)
                return bytes(
                    MessagingApiBlob(client).get_message_content(
                        message_id, _request_timeout=TIMEOUT
                    )
                )
        except LineRefused as exc:
            if exc.status in (404, 410):
                raise ContentGone(exc.status, str(exc)) from exc
            raise

    def profile(self, user_id: str) -> Profile:
        """Return the user's display name and language, as far as LINE shares them."""
        with _calls("profile"):
            client = self._client(LINE_API)
            found = MessagingApi(client).get_profile(user_id, _request_timeout=TIMEOUT)
        return Profile(display_name=found.display_name, language=found.language)

    def rich_menus(self) -> list[tuple[str, str]]:
        """The channel's rich menus as (id, name)."""
        with _calls("richmenu"):
            found = MessagingApi(self._client(LINE_API)).get_rich_menu_list(
                _request_timeout=TIMEOUT
            )
        return [(menu.rich_menu_id, menu.name) for menu in found.richmenus]

    def create_rich_menu(self, definition: dict[str, Any], image: bytes) -> str:
        """Create a rich menu with its image (PNG); return its id."""
        request = RichMenuRequest.from_dict(definition)
        with _calls("richmenu"):
            created = MessagingApi(self._client(LINE_API)).create_rich_menu(
                request, _request_timeout=TIMEOUT
            )
            MessagingApiBlob(self._client(LINE_DATA_API)).set_rich_menu_image(
                created.rich_menu_id, image, _headers={"Content-Type": "image/png"},
                _request_timeout=TIMEOUT,
            )
        return str(created.rich_menu_id)

    def default_rich_menu(self) -> str | None:
        """The id of the rich menu every user sees by default; None when there is none."""
        try:
            with _calls("richmenu"):
                found = MessagingApi(self._client(LINE_API)).get_default_rich_menu_id(
                    _request_timeout=TIMEOUT
                )
        except LineRefused as exc:
            if exc.status == 404:
                return None
            raise
        return str(found.rich_menu_id)

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        with _calls("richmenu"):
            MessagingApi(self._client(LINE_API)).set_default_rich_menu(
                rich_menu_id, _request_timeout=TIMEOUT
            )

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        with _calls("richmenu"):
            MessagingApi(self._client(LINE_API)).delete_rich_menu(
                rich_menu_id, _request_timeout=TIMEOUT
            )

    def show_loading(self, user_id: str, seconds: int = 20) -> None:
        """Show the typing indicator while a photo is being processed."""
        request = ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds)
        with _calls("loading"):
            client = self._client(LINE_API)
            MessagingApi(client).show_loading_animation(request, _request_timeout=TIMEOUT)


@contextmanager
def _calls(endpoint: str) -> Iterator[None]:
    """Turn the SDK's and urllib3's exceptions into ours, transient or refused, and count the
    call by its result."""
    try:
        yield
    except ApiException as exc:
        status = int(exc.status or 0)
        metrics.LINE_CALLS.labels(endpoint, metrics.line_result(status or None)).inc()
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else ""
        if status >= 500 or status in (0, 429):
            raise LineUnavailable(f"LINE answered {status}") from exc
        raise LineRefused(status, body) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        metrics.LINE_CALLS.labels(endpoint, metrics.line_result(None)).inc()
        raise LineUnavailable(f"LINE did not answer: {exc}") from exc
    metrics.LINE_CALLS.labels(endpoint, "ok").inc()


_ACTIONS = {
    "message": lambda q: MessageAction(label=q.label, text=q.text or q.label),
    "postback": lambda q: PostbackAction(
        label=q.label, data=q.data or "", display_text=q.text or q.label
    ),
    "camera": lambda q: CameraAction(label=q.label),
    "camera_roll": lambda q: CameraRollAction(label=q.label),
    "location": lambda q: LocationAction(label=q.label),
    "uri": lambda q: URIAction(label=q.label, uri=q.uri),
}


def _line_messages(messages: Sequence[Outgoing]) -> list[TextMessage | ImageMessage]:
    result: list[TextMessage | ImageMessage] = []
    for message in messages:
        if isinstance(message, Image):
            result.append(
                ImageMessage(
                    original_content_url=message.original_url,
                    preview_image_url=message.preview_url,
                )
            )
            continue
        quick = None
        if message.quick_replies:
            quick = QuickReply(
                items=[QuickReplyItem(action=_ACTIONS[q.kind](q)) for q in message.quick_replies]
            )
        result.append(TextMessage(text=message.text, quick_reply=quick))
    return result
