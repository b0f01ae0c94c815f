"""The fake LINE platform, driven by the real line-bot-sdk over real HTTP, as the bot drives it."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from linebot.v3 import SignatureValidator
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient
from linebot.v3.messaging import ApiException
from linebot.v3.messaging import Configuration
from linebot.v3.messaging import ImageMessage
from linebot.v3.messaging import MessageAction
from linebot.v3.messaging import MessagingApi
from linebot.v3.messaging import MessagingApiBlob
from linebot.v3.messaging import PushMessageRequest
from linebot.v3.messaging import QuickReply
from linebot.v3.messaging import QuickReplyItem
from linebot.v3.messaging import ReplyMessageRequest
from linebot.v3.messaging import ShowLoadingAnimationRequest
from linebot.v3.messaging import TextMessage
from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import AudioMessageContent
from linebot.v3.webhooks import BeaconEvent
from linebot.v3.webhooks import FileMessageContent
from linebot.v3.webhooks import FollowEvent
from linebot.v3.webhooks import ImageMessageContent
from linebot.v3.webhooks import JoinEvent
from linebot.v3.webhooks import LeaveEvent
from linebot.v3.webhooks import LocationMessageContent
from linebot.v3.webhooks import MemberJoinedEvent
from linebot.v3.webhooks import MessageEvent
from linebot.v3.webhooks import PostbackEvent
from linebot.v3.webhooks import StickerMessageContent
from linebot.v3.webhooks import TextMessageContent
from linebot.v3.webhooks import UnfollowEvent
from linebot.v3.webhooks import UnsendEvent
from linebot.v3.webhooks import VideoMessageContent
from pydantic.v1 import ValidationError

from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import EventJson
from reporting.line.sandbox.fake.events import redelivered
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.line.sandbox.fake.server import serve

TOKEN = "test-channel-access-token"
SECRET = "test-channel-secret"
USER = "U" + "1" * 32
BOT = "U" + "b" * 32
GROUP = "C" + "2" * 32


class Clock:
    """A clock the test moves by hand, so expiry is tested without waiting."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def platform(clock: Clock) -> Iterator[FakeLinePlatform]:
    with serve(FakeLinePlatform(TOKEN, clock=clock)) as served:
        yield served


def client(platform: FakeLinePlatform, token: str = TOKEN) -> ApiClient:
    # Configuration(host=...) replaces both api.line.me and api-data.line.me, as LINE_API_HOST does.
    assert platform.url is not None
    return ApiClient(Configuration(host=platform.url, access_token=token))


@pytest.fixture
def api_client(platform: FakeLinePlatform) -> Iterator[ApiClient]:
    with client(platform) as api_client:
        yield api_client
        # ApiClient.close() leaves urllib3's keep-alive sockets open; close them here.
        api_client.rest_client.pool_manager.clear()


@pytest.fixture
def api(api_client: ApiClient) -> MessagingApi:
    return MessagingApi(api_client)


@pytest.fixture
def blob(api_client: ApiClient) -> MessagingApiBlob:
    return MessagingApiBlob(api_client)


@pytest.fixture
def events(platform: FakeLinePlatform) -> EventBuilder:
    return EventBuilder(platform)


def text(value: str = "受け付けました", **kwargs: Any) -> TextMessage:
    return TextMessage(text=value, **kwargs)


def reply(api: MessagingApi, token: str, *messages: TextMessage) -> Any:
    return api.reply_message(ReplyMessageRequest(reply_token=token, messages=list(messages)))


def push(api: MessagingApi, *messages: Any, key: str | None = None, **kwargs: Any) -> Any:
    request = PushMessageRequest(to=USER, messages=list(messages))
    return api.push_message_with_http_info(request, x_line_retry_key=key, **kwargs)


def refused(call: Callable[[], object], status: int = 400) -> dict[str, Any]:
    """Run call, expect LINE's error status, and return the error JSON LINE answered."""
    with pytest.raises(ApiException) as caught:
        call()
    assert caught.value.status == status
    body: dict[str, Any] = json.loads(caught.value.body)
    return body


def quick_reply(labels: list[str]) -> QuickReply:
    items = [QuickReplyItem(action=MessageAction(label=label, text=label)) for label in labels]
    # construct() skips the SDK's own max-13 check, so the request reaches the platform.
    return QuickReply.construct(items=items)


# --- reply ---


def test_reply_is_sent_and_recorded(platform: FakeLinePlatform, api: MessagingApi) -> None:
    token = platform.issue_reply_token(USER)

    response = reply(api, token, text("通報ありがとうございます"), text("写真を送ってください"))

    assert len(response.sent_messages) == 2
    assert response.sent_messages[0].quote_token
    sent = platform.sent_to(USER)
    assert [m.text for m in sent] == ["通報ありがとうございます", "写真を送ってください"]
    assert {m.channel for m in sent} == {"reply"}
    assert sent[0].message == {"type": "text", "text": "通報ありがとうございます"}
    assert [m.message_id for m in sent] == [s.id for s in response.sent_messages]
    assert (platform.replies, platform.pushes) == (1, 0)


def test_reply_token_is_single_use(platform: FakeLinePlatform, api: MessagingApi) -> None:
    token = platform.issue_reply_token(USER)
    reply(api, token, text("一度目"))

    error = refused(lambda: reply(api, token, text("二度目")))

    assert error == {"message": "Invalid reply token"}
    assert [m.text for m in platform.sent_to(USER)] == ["一度目"]


def test_reply_token_expires(platform: FakeLinePlatform, api: MessagingApi, clock: Clock) -> None:
    at_limit, late, expired = (platform.issue_reply_token(USER) for _ in range(3))
    platform.expire_reply_token(expired)
    refused(lambda: reply(api, expired, text()))

    clock.now += 60
    reply(api, at_limit, text())
    clock.now += 0.001
    refused(lambda: reply(api, late, text()))

    assert platform.replies == 1


def test_unknown_reply_token_is_refused(api: MessagingApi) -> None:
    assert refused(lambda: reply(api, "0" * 32, text())) == {"message": "Invalid reply token"}


def test_six_messages_are_refused(platform: FakeLinePlatform, api: MessagingApi) -> None:
    token = platform.issue_reply_token(USER)
    six = [text(str(i)) for i in range(6)]
    # The SDK refuses this itself; construct() sends it anyway, as another client could.
    with pytest.raises(ValidationError):
        ReplyMessageRequest(reply_token=token, messages=six)
    request = ReplyMessageRequest.construct(reply_token=token, messages=six)

    error = refused(lambda: api.reply_message(request))

    assert error == {
        "message": "The request body has 1 error(s)",
        "details": [{"message": "Size must be between 1 and 5", "property": "messages"}],
    }
    assert platform.sent == []
    reply(api, token, *six[:5])  # a refused body does not use up the token
    assert len(platform.sent_to(USER)) == 5


def test_quick_reply_with_fourteen_items_is_refused(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    token = platform.issue_reply_token(USER)
    message = text("種類を選んでください", quick_reply=quick_reply([f"選択{i}" for i in range(14)]))

    error = refused(lambda: reply(api, token, message))

    assert error["details"] == [
        {"message": "Size must be between 1 and 13", "property": "messages[0].quickReply.items"}
    ]
    assert platform.sent == []


def test_quick_reply_label_longer_than_twenty_is_refused(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    long_label = text("どこですか", quick_reply=quick_reply(["道路", "あ" * 21]))

    error = refused(lambda: reply(api, platform.issue_reply_token(USER), long_label))

    assert error["details"] == [
        {
            "message": "Length must be between 0 and 20",
            "property": "messages[0].quickReply.items[1].action.label",
        }
    ]


def test_quick_reply_at_the_limits_is_accepted(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    labels = [f"{i:02d}" + "い" * 18 for i in range(13)]

    reply(api, platform.issue_reply_token(USER), text("選択", quick_reply=quick_reply(labels)))

    assert platform.sent_to(USER)[0].quick_reply_labels == tuple(labels)


def test_text_longer_than_5000_is_refused(platform: FakeLinePlatform, api: MessagingApi) -> None:
    push(api, text("あ" * 5000))

    error = refused(lambda: push(api, text("あ" * 5001)))

    assert error["details"] == [
        {"message": "Length must be between 0 and 5000", "property": "messages[0].text"}
    ]
    assert platform.pushes == 1


def test_an_image_needs_https_urls(platform: FakeLinePlatform, api: MessagingApi) -> None:
    good = ImageMessage(original_content_url="https://tsuho.example/a.jpg",
                        preview_image_url="https://tsuho.example/a-preview.jpg")  # fmt: skip
    push(api, good)
    plain = ImageMessage(original_content_url="http://tsuho.example/a.jpg",
                         preview_image_url="https://tsuho.example/" + "a" * 2000)  # fmt: skip

    error = refused(lambda: push(api, plain))

    assert [d["property"] for d in error["details"]] == [
        "messages[0].originalContentUrl", "messages[0].previewImageUrl"
    ]
    assert [m.type for m in platform.sent] == ["image"]


def test_unknown_message_type_is_refused(platform: FakeLinePlatform, api: MessagingApi) -> None:
    bogus = TextMessage.construct(type="hologram", text="x")

    error = refused(lambda: push(api, bogus))

    assert error["details"][0]["property"] == "messages[0].type"
    assert platform.sent == []


def test_wrong_channel_access_token_is_unauthorized(platform: FakeLinePlatform) -> None:
    token = platform.issue_reply_token(USER)
    with client(platform, token="stolen-or-stale") as wrong:
        error = refused(lambda: reply(MessagingApi(wrong), token, text()), status=401)
        wrong.rest_client.pool_manager.clear()

    assert "Authentication failed" in error["message"]
    assert platform.sent == []


# --- push and retry keys ---


def test_push_with_the_same_retry_key_is_sent_once(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    key = str(uuid.uuid4())
    first = push(api, text("対応を開始しました"), key=key)

    with pytest.raises(ApiException) as again:
        push(api, text("対応を開始しました"), key=key)

    assert first.status_code == 200
    assert again.value.status == 409
    assert again.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    body = json.loads(again.value.body)
    assert body["message"] == "The retry key is already accepted"
    assert [m["id"] for m in body["sentMessages"]] == [m.id for m in first.data.sent_messages]
    assert [(m.channel, m.text) for m in platform.sent_to(USER)] == [("push", "対応を開始しました")]
    assert platform.pushes == 1
    push(api, text("別件"), key=str(uuid.uuid4()))
    assert platform.pushes == 2


def test_invalid_retry_key_is_refused(platform: FakeLinePlatform, api: MessagingApi) -> None:
    refused(lambda: push(api, text(), key="not-a-uuid"))
    assert platform.pushes == 0


def test_retry_key_on_reply_is_refused(platform: FakeLinePlatform, api: MessagingApi) -> None:
    token = platform.issue_reply_token(USER)
    request = ReplyMessageRequest(reply_token=token, messages=[text()])
    headers = {"X-Line-Retry-Key": str(uuid.uuid4())}

    refused(lambda: api.reply_message(request, _headers=headers))

    assert platform.sent == []


def test_answer_lost_to_a_timeout_is_recovered_by_the_retry_key(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    key = str(uuid.uuid4())
    platform.delay_next(1, 30, endpoint="push")

    # The SDK does not wrap transport errors: a timeout surfaces as urllib3's own exception.
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        push(api, text("受付番号 12"), key=key, _request_timeout=0.2)
    refused(lambda: push(api, text("受付番号 12"), key=key), status=409)

    assert [m.text for m in platform.sent_to(USER)] == ["受付番号 12"]


def test_fail_next_answers_500_once_then_succeeds(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    platform.fail_next(1, 500)

    error = refused(lambda: push(api, text("一回目")), status=500)
    push(api, text("二回目"))

    assert error == {"message": "Internal Server Error"}
    assert [m.text for m in platform.sent_to(USER)] == ["二回目"]


def test_fail_next_can_target_one_endpoint(platform: FakeLinePlatform, api: MessagingApi) -> None:
    platform.fail_next(1, 429, endpoint="push")

    api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=5))
    refused(lambda: push(api, text()), status=429)
    push(api, text())

    assert platform.pushes == 1


# --- content, profile, loading ---


def test_content_is_downloaded_byte_for_byte(
    platform: FakeLinePlatform, blob: MessagingApiBlob
) -> None:
    photo = bytes(range(256)) * 40
    platform.add_content("100001", photo, "image/png")

    response = blob.get_message_content_with_http_info("100001")

    assert bytes(response.data) == photo
    assert response.headers["Content-Type"] == "image/png"


def test_unknown_content_is_not_found(blob: MessagingApiBlob) -> None:
    assert refused(lambda: blob.get_message_content("999"), status=404) == {"message": "Not found"}


def test_expired_content_is_gone(platform: FakeLinePlatform, blob: MessagingApiBlob) -> None:
    platform.add_content("100002", b"\xff\xd8jpeg")
    platform.expire_content("100002")

    refused(lambda: blob.get_message_content("100002"), status=410)


def test_profile(platform: FakeLinePlatform, api: MessagingApi) -> None:
    platform.set_profile(USER, "岡山 花子", status_message="道路パトロール")

    profile = api.get_profile(USER)

    assert (profile.display_name, profile.user_id, profile.language) == ("岡山 花子", USER, "ja")
    assert profile.status_message == "道路パトロール"
    assert profile.picture_url is None
    refused(lambda: api.get_profile("U" + "9" * 32), status=404)


def test_loading_animation(platform: FakeLinePlatform, api: MessagingApi) -> None:
    request = ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=10)

    response = api.show_loading_animation_with_http_info(request)

    assert (response.status_code, response.data) == (202, {})
    assert [(a.chat_id, a.seconds) for a in platform.loading_animations] == [(USER, 10)]
    # The SDK checks 5..60 only; LINE also wants a multiple of 5.
    uneven = ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=7)
    refused(lambda: api.show_loading_animation(uneven))


# --- waiting and resetting ---


def test_wait_for_messages_returns_when_a_worker_has_sent_them(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    worker = threading.Thread(target=lambda: push(api, text("一"), text("二")))
    worker.start()

    sent = platform.wait_for_messages(USER, 2, timeout=10)

    worker.join()
    assert [m.text for m in sent] == ["一", "二"]


def test_wait_for_messages_times_out(platform: FakeLinePlatform) -> None:
    with pytest.raises(TimeoutError, match="0 of 1"):
        platform.wait_for_messages(USER, 1, timeout=0.01)


def test_reset_forgets_everything(platform: FakeLinePlatform, api: MessagingApi) -> None:
    token = platform.issue_reply_token(USER)
    push(api, text())
    platform.fail_next(3)

    platform.reset()

    assert (platform.sent, platform.pushes, platform.sent_to(USER)) == ([], 0, [])
    refused(lambda: reply(api, token, text()))  # no fault left: the token is simply unknown


# --- webhook side ---


def test_signature_verifies_with_the_sdk(events: EventBuilder) -> None:
    body = webhook_body(BOT, [events.text(USER, "穴があります")])
    sig = signature(body, SECRET)

    assert SignatureValidator(SECRET).validate(body.decode(), sig)
    assert not SignatureValidator("another-secret").validate(body.decode(), sig)
    with pytest.raises(InvalidSignatureError):
        WebhookParser("another-secret").parse(body.decode(), sig)


def parse(event: EventJson) -> Any:
    body = webhook_body(BOT, [event])
    payload = WebhookParser(SECRET).parse(body.decode(), signature(body, SECRET), as_payload=True)
    assert payload.destination == BOT
    (parsed,) = payload.events
    return parsed


EVENTS: list[tuple[str, Callable[[EventBuilder], EventJson], type[Any], type[Any] | None]] = [
    ("text", lambda b: b.text(USER, "歩道の段差"), MessageEvent, TextMessageContent),
    ("image", lambda b: b.image(USER, b"jpeg"), MessageEvent, ImageMessageContent),
    ("video", lambda b: b.video(USER), MessageEvent, VideoMessageContent),
    ("audio", lambda b: b.audio(USER), MessageEvent, AudioMessageContent),
    ("file", lambda b: b.file(USER, "report.pdf", b"%PDF"), MessageEvent, FileMessageContent),
    ("location", lambda b: b.location(USER, 34.6551, 133.9195, address="岡山市北区"),
     MessageEvent, LocationMessageContent),
    ("sticker", lambda b: b.sticker(USER), MessageEvent, StickerMessageContent),
    ("follow", lambda b: b.follow(USER), FollowEvent, None),
    ("unfollow", lambda b: b.unfollow(USER), UnfollowEvent, None),
    ("postback", lambda b: b.postback(USER, "kind=road"), PostbackEvent, None),
    ("unsend", lambda b: b.unsend(USER, "100003"), UnsendEvent, None),
    ("join", lambda b: b.join(GROUP), JoinEvent, None),
    ("leave", lambda b: b.leave(GROUP), LeaveEvent, None),
    ("memberJoined", lambda b: b.member_joined(GROUP, [USER]), MemberJoinedEvent, None),
    ("beacon", lambda b: b.beacon(USER), BeaconEvent, None),
]


@pytest.mark.parametrize(
    ("build", "event_class", "message_class"),
    [case[1:] for case in EVENTS],
    ids=[case[0] for case in EVENTS],
)
def test_event_parses_into_the_sdk_class(
    events: EventBuilder,
    build: Callable[[EventBuilder], EventJson],
    event_class: type[Any],
    message_class: type[Any] | None,
) -> None:
    event = build(events)

    parsed = parse(event)

    # Exact class: the SDK turns a malformed known event into UnknownEvent without complaint.
    assert type(parsed) is event_class
    if message_class is not None:
        assert type(parsed.message) is message_class
    assert parsed.webhook_event_id == event["webhookEventId"]
    assert parsed.delivery_context.is_redelivery is False
    assert parsed.mode.value == "active"


# LINE sends no reply token where there is no one to answer.
NO_REPLY = ("unfollow", "unsend", "leave")


@pytest.mark.parametrize(("kind", "build"), [c[:2] for c in EVENTS], ids=[c[0] for c in EVENTS])
def test_reply_tokens_in_events_are_accepted(
    platform: FakeLinePlatform,
    api: MessagingApi,
    events: EventBuilder,
    kind: str,
    build: Callable[[EventBuilder], EventJson],
) -> None:
    event = build(events)

    if kind in NO_REPLY:
        assert "replyToken" not in event
        return
    reply(api, event["replyToken"], text("ご連絡ありがとうございます"))
    assert platform.replies == 1


def test_image_event_registers_its_content(events: EventBuilder, blob: MessagingApiBlob) -> None:
    event = events.image(USER, b"\xff\xd8photo", image_set=("set-1", 2, 3))

    parsed = parse(event)

    assert parsed.message.content_provider.type == "line"
    assert (parsed.message.image_set.index, parsed.message.image_set.total) == (2, 3)
    assert bytes(blob.get_message_content(parsed.message.id)) == b"\xff\xd8photo"


def test_event_fields_reach_the_sdk(events: EventBuilder) -> None:
    location = parse(events.location(USER, 34.6551, 133.9195, address="北区", title="交差点"))
    postback = parse(events.postback(USER, "action=pick", params={"date": "2025-04-01"}))
    joined = parse(events.member_joined(GROUP, [USER]))

    assert (location.message.latitude, location.message.title) == (34.6551, "交差点")
    assert postback.postback.data == "action=pick"
    assert postback.postback.params == {"date": "2025-04-01"}
    assert [m.user_id for m in joined.joined.members] == [USER]
    assert parse(events.text(USER, "穴")).source.user_id == USER


def test_unknown_event_type_parses_to_the_sdk_fallback(events: EventBuilder) -> None:
    parsed = parse(events.unknown(USER, "futureEvent", future={"x": 1}))

    assert type(parsed) is UnknownEvent
    assert parsed.type == "futureEvent"
    # The fallback keeps only the common fields; even the source's userId is dropped.
    assert parsed.source.to_dict() == {"type": "user"}


def test_events_have_unique_time_ordered_ids(events: EventBuilder, clock: Clock) -> None:
    first = events.follow(USER)
    clock.now += 1
    later = [events.text(USER, str(i)) for i in range(50)]

    ids = [first["webhookEventId"]] + [e["webhookEventId"] for e in later]

    assert len(set(ids)) == len(ids)
    assert all(len(i) == 26 for i in ids)
    assert first["webhookEventId"] < later[0]["webhookEventId"]
    assert later[0]["timestamp"] - first["timestamp"] == 1000


def test_redelivered_event_keeps_its_id(events: EventBuilder) -> None:
    event = events.text(USER, "再送")

    again = parse(redelivered(event))

    assert again.delivery_context.is_redelivery is True
    assert again.webhook_event_id == event["webhookEventId"]
    assert event["deliveryContext"] == {"isRedelivery": False}


def test_calls_above_the_rate_limit_are_answered_429(
    platform: FakeLinePlatform, api: MessagingApi
) -> None:
    platform.limit_rate(3)  # a bucket of three calls, refilled at three a second
    for _ in range(3):
        push(api, text())
    body = refused(lambda: push(api, text()), status=429)
    assert body["message"] == "The API rate limit has been exceeded."
    token = platform.issue_reply_token(USER)
    refused(lambda: reply(api, token, text()), status=429)
    assert (platform.pushes, platform.rate_limited) == (3, 2)
    platform.set_profile(USER)
    assert api.get_profile(USER).user_id == USER  # only replies and pushes are limited
    platform.limit_rate(None)
    push(api, text())
    assert platform.pushes == 4
