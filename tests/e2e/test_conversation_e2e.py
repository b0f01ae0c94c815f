"""Resident conversation v2 over real HTTP: gunicorn, the worker, the fake LINE Platform, PostGIS.

One server, worker and database serve every test of this module; each test has its own
residents and its own places (more than 30 m apart), so none sees another's reports.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import psycopg
import pytest
import requests

from reporting.accounts import hash_password
from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.line.sandbox.fake.platform import SentMessage
from reporting.settings import libpq_url
from tests.conftest import Databases
from tests.processes import gunicorn
from tests.processes import wait_until
from tests.processes import worker
from tests.reporting.images import encode
from tests.reporting.images import noise
from tests.reporting.line_world import BOT
from tests.reporting.line_world import SECRET
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform
from tests.reporting.staff_browser import csrf_token

pytestmark = pytest.mark.slow

TERMS = "2026-11-01"
JST = timezone(timedelta(hours=9))
RECEIPT = re.compile(r"\d{4}-\d{5}")
PASSWORD = "correct horse battery staple"


@dataclass
class Stack:
    url: str
    db_url: str
    platform: FakeLinePlatform

    def rows(self, sql: str, *args: Any) -> list[tuple]:
        with psycopg.connect(libpq_url(self.db_url)) as conn:
            return conn.execute(sql, args).fetchall()

    def post(self, body: bytes) -> requests.Response:
        headers = {"X-Line-Signature": signature(body, SECRET)}
        return requests.post(f"{self.url}/line/webhook", data=body, headers=headers, timeout=10)

    def settled(self) -> None:
        """Wait until every recorded event is handled and every queued message sent."""
        wait_until(
            lambda: self.rows(
                "SELECT (SELECT count(*) FROM line_events WHERE processed_at IS NULL)"
                " + (SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing'))"
            ) == [(0,)],
            60,
        )


@pytest.fixture(scope="module")
def stack(
    databases: Databases, areas_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    name = databases.create(template=areas_template)
    db_url = databases.url(name)
    tmp = tmp_path_factory.mktemp("conversation")
    with line_platform() as platform:
        env = {
            "DATABASE_URL": db_url,
            "PHOTO_DIR": str(tmp / "photos"),
            "SECRET_KEY": "e2e",
            **{k: str(v) for k, v in line_config(platform).items()},
        }
        jobs = worker(env, tmp / "worker.log", "--stalled-after", "2")
        try:
            with gunicorn(env, tmp / "web.log") as url:
                yield Stack(url, db_url, platform)
        finally:
            jobs.stop()
    databases.drop(name)


@dataclass
class Person:
    """A resident talking to the running server, who counts what they do."""

    user_id: str
    stack: Stack
    actions: int = 0
    seen: int = 0
    photos: int = field(default=0)

    @property
    def events(self) -> EventBuilder:
        return EventBuilder(self.stack.platform)

    def send(self, *events: dict[str, Any], replies: int = 1) -> list[SentMessage]:
        """One resident action (a tap, a message, a photo set): the bot's next messages."""
        self.actions += 1
        response = self.stack.post(webhook_body(BOT, list(events)))
        assert response.status_code == 200, response.text
        sent = self.stack.platform.wait_for_messages(self.user_id, self.seen + replies, 30)
        new, self.seen = sent[self.seen :], len(sent)
        return new

    def text(self, *events: dict[str, Any]) -> str:
        return "\n".join(m.text or "" for m in self.send(*events))

    def say(self, words: str) -> str:
        return self.text(self.events.text(self.user_id, words))

    def tap(self, data: str) -> str:
        return self.text(self.events.postback(self.user_id, data))

    def photo(self) -> str:
        self.photos += 1
        image = encode(noise("RGB", (640, 480), hash(self.user_id) % 1000 + self.photos), "JPEG")
        return self.text(self.events.image(self.user_id, image))

    def place(self, lon: float, lat: float) -> str:
        return self.text(self.events.location(self.user_id, lat, lon, address="岡山市北区"))

    def agreed(self) -> "Person":
        """Follow and agree to the terms (before the report being counted)."""
        self.text(self.events.follow(self.user_id))
        self.tap(f"consent=yes&v={TERMS}")
        self.actions = 0
        return self

    def last(self) -> SentMessage:
        return self.stack.platform.sent_to(self.user_id)[-1]


def receipt_of(text: str) -> str:
    found = RECEIPT.search(text)
    assert found, text
    return found.group()


def spot(n: int) -> tuple[float, float]:
    """A point in 北区 of its own for each test (about 200 m apart)."""
    return 133.9195 + 0.0022 * (n % 5), 34.6551 + 0.0018 * (n // 5)


def test_each_starting_message_reaches_a_report(stack: Stack) -> None:
    lon, lat = spot(0)
    by_photo = Person("U" + "10" * 16, stack).agreed()
    by_photo.photo()
    by_photo.place(lon, lat)
    by_photo.tap("kind=road.crack")
    first = receipt_of(by_photo.tap("confirm=send"))

    by_place = Person("U" + "11" * 16, stack).agreed()
    assert "北区" in by_place.place(lon + 0.0007, lat)
    assert "写真" in by_place.last().text
    by_place.photo()
    by_place.tap("kind=road.sign")
    second = receipt_of(by_place.tap("confirm=send"))

    by_text = Person("U" + "12" * 16, stack).agreed()
    assert "補足" in by_text.say("家の前の道路に穴があります")
    by_text.photo()
    assert "「穴・陥没」と思われます" in by_text.place(lon + 0.0014, lat)
    assert by_text.last().quick_reply_labels[0] == "穴・陥没"
    by_text.tap("kind=road.pothole")
    third = receipt_of(by_text.say("OK"))

    by_menu = Person("U" + "13" * 16, stack).agreed()
    assert "写真を送ってください" in by_menu.say("通報")
    by_menu.photo()
    by_menu.place(lon + 0.0021, lat)
    by_menu.tap("kind=park.bench")
    fourth = receipt_of(by_menu.tap("confirm=send"))

    filed = stack.rows(
        "SELECT receipt_number, subcategory, note FROM reports"
        " WHERE receipt_number = ANY(%s) ORDER BY id",
        [first, second, third, fourth],
    )
    assert [(r, s) for r, s, _ in filed] == [
        (first, "crack"), (second, "sign"), (third, "pothole"), (fourth, "bench")
    ]
    assert filed[2][2] == "家の前の道路に穴があります"


def test_a_photo_first_report_takes_at_most_five_actions(stack: Stack) -> None:
    resident = Person("U" + "20" * 16, stack).agreed()
    resident.photo()
    assert [q for q in resident.last().quick_reply_labels][0] == "位置情報を送る"
    resident.place(*spot(1))
    resident.tap("kind=road.streetlight")
    receipt = receipt_of(resident.tap("confirm=send"))
    assert resident.actions <= 5, resident.actions
    assert stack.rows(
        "SELECT count(*) FROM photos p JOIN reports r ON r.id = p.report_id"
        " WHERE r.receipt_number = %s", receipt
    ) == [(1,)]


def test_a_draft_resumed_after_23_hours(stack: Stack) -> None:
    resident = Person("U" + "30" * 16, stack).agreed()
    resident.photo()
    stack.settled()
    with psycopg.connect(libpq_url(stack.db_url)) as conn:
        conn.execute(
            "UPDATE conversations SET updated_at = now() - interval '23 hours'"
            " WHERE resident_id = (SELECT id FROM residents WHERE line_user_id = %s)",
            (resident.user_id,),
        )
    asked = resident.place(*spot(2))
    assert "入力途中の通報があります。続けますか？" in asked
    assert "続ける" in resident.last().quick_reply_labels
    resident.tap("resume=yes")
    resident.tap("kind=road.drain")
    receipt = receipt_of(resident.tap("confirm=send"))
    ((photos, area),) = stack.rows(
        "SELECT (SELECT count(*) FROM photos p WHERE p.report_id = r.id), area_code"
        " FROM reports r WHERE receipt_number = %s", receipt,
    )
    assert (photos, area) == (1, "33101")


def test_one_part_changed_alone_at_the_confirmation(stack: Stack) -> None:
    resident = Person("U" + "40" * 16, stack).agreed()
    resident.photo()
    lon, lat = spot(3)
    resident.place(lon, lat)
    resident.tap("kind=road.crack")
    resident.say("歩道側です")
    assert "種類: ひび割れ・段差" in resident.last().text
    resident.tap("edit=kind")
    shown = resident.tap("kind=road.guardrail")
    assert "種類: ガードレール・柵" in shown and "補足: 歩道側です" in shown
    receipt = receipt_of(resident.tap("confirm=send"))
    ((sub, note, x, photos),) = stack.rows(
        "SELECT subcategory, note, ST_X(location),"
        " (SELECT count(*) FROM photos p WHERE p.report_id = r.id)"
        " FROM reports r WHERE receipt_number = %s", receipt,
    )
    assert (sub, note, x, photos) == ("guardrail", "歩道側です", lon, 1)


def test_urgent_offers_a_call_and_sends_the_report_flagged(stack: Stack) -> None:
    resident = Person("U" + "50" * 16, stack).agreed()
    assert "お電話ください" in resident.tap("action=emergency")
    items = resident.last().message["quickReply"]["items"]
    call = items[0]["action"]
    assert (call["type"], call["uri"]) == ("uri", "tel:0868031000")
    assert "緊急" in resident.tap("urgent=yes")
    resident.photo()
    resident.place(*spot(4))
    assert "緊急: はい" in resident.tap("kind=road.tree")
    receipt = receipt_of(resident.tap("confirm=send"))
    assert stack.rows("SELECT urgent FROM reports WHERE receipt_number = %s", receipt) == [(True,)]


def test_the_same_one_joins_the_report_and_both_residents_hear_of_its_change(
    stack: Stack,
) -> None:
    lon, lat = spot(5)
    first = Person("U" + "60" * 16, stack).agreed()
    first.photo()
    first.place(lon, lat)
    first.tap("kind=road.pothole")
    receipt = receipt_of(first.tap("confirm=send"))
    second = Person("U" + "61" * 16, stack).agreed()
    second.photo()
    second.place(lon + 0.0001, lat)  # about 9 m away
    asked = second.tap("kind=road.pothole")
    assert f"近くに同じ種類の通報があります（受付 {receipt}・受付）" in asked
    assert receipt in second.tap("same=yes")
    assert stack.rows(
        "SELECT count(*) FROM report_supporters s JOIN residents p ON p.id = s.resident_id"
        " JOIN reports r ON r.id = s.report_id WHERE r.receipt_number = %s"
        " AND p.line_user_id = %s", receipt, second.user_id,
    ) == [(1,)]
    assert stack.rows("SELECT count(*) FROM reports WHERE ST_DWithin(location::geography,"
                      " ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, 30)", lon, lat) == [(1,)]

    staff = _signed_in(stack)
    (report_id,) = stack.rows("SELECT id FROM reports WHERE receipt_number = %s", receipt)[0]
    page = staff.get(f"{stack.url}/staff/reports/{report_id}", timeout=10)
    assert "他の住民 1 人" in page.text
    changed = staff.post(
        f"{stack.url}/staff/reports/{report_id}/status",
        data={"status": "in_progress", "notify": "1", "csrf_token": csrf_token(page.text)},
        timeout=10,
    )
    assert changed.status_code == 200
    stack.settled()
    for resident in (first, second):
        notices = stack.platform.sent_to(resident.user_id)[resident.seen :]
        assert [receipt in (m.text or "") and "対応を始めました" in (m.text or "")
                for m in notices] == [True], notices


def test_outside_office_hours_the_receipt_names_the_next_working_day(stack: Stack) -> None:
    resident = Person("U" + "70" * 16, stack).agreed()
    resident.photo()
    resident.place(*spot(6))
    resident.tap("kind=road.crack")
    # Saturday 9 January 2027, 10:00 in Japan; Monday 11 January is 成人の日 (a holiday).
    send = resident.events.postback(resident.user_id, "confirm=send")
    send["timestamp"] = int(datetime(2027, 1, 9, 10, 0, tzinfo=JST).timestamp() * 1000)
    said = resident.text(send)
    receipt_of(said)
    assert "確認は翌開庁日（1月12日(火)）以降になります" in said


def test_a_group_text_gets_one_message_and_no_dialogue(stack: Stack) -> None:
    group, member = "C" + "80" * 16, "U" + "80" * 16
    events = EventBuilder(stack.platform)

    def said_in_group(text: str) -> dict[str, Any]:
        source = {"type": "group", "groupId": group, "userId": member}
        message = {"id": stack.platform.new_message_id(), "type": "text", "text": text}
        return events._event("message", source, group, message=message)

    for text in ("通報", "道路に穴があります", "ヘルプ"):
        assert stack.post(webhook_body(BOT, [said_in_group(text)])).status_code == 200
    stack.settled()
    (notice,) = stack.platform.sent_to(group)
    assert "1対1のトーク" in (notice.text or "") and not notice.message.get("quickReply")
    assert stack.platform.sent_to(member) == []
    assert stack.rows("SELECT count(*) FROM residents WHERE line_user_id = %s", member) == [(0,)]


def test_a_standby_event_gets_no_message(stack: Stack) -> None:
    resident = Person("U" + "90" * 16, stack)
    standby = resident.events.text(resident.user_id, "通報")
    standby["mode"] = "standby"
    assert stack.post(webhook_body(BOT, [standby])).status_code == 200
    # The next active event is answered, once: nothing was sent for the standby one.
    resident.text(resident.events.follow(resident.user_id))
    stack.settled()
    assert len(stack.platform.sent_to(resident.user_id)) == 1
    assert stack.rows(
        "SELECT processed_at IS NOT NULL FROM line_events WHERE webhook_event_id = %s",
        standby["webhookEventId"],
    ) == [(True,)]


def test_odd_signed_bodies_get_200_or_4xx_and_nothing_half_written(stack: Stack) -> None:
    user = "U" + "a0" * 16
    before = stack.rows("SELECT count(*) FROM line_events")[0][0]

    def body(event_json: str) -> bytes:
        return ('{"destination": "' + BOT + '", "events": [' + event_json + "]}").encode()

    def event(ts: str, text: str, event_id: str) -> str:
        token = stack.platform.issue_reply_token(user)
        message = f'{{"id": "{stack.platform.new_message_id()}", "type": "text", "text": {text}}}'
        return (
            f'{{"type": "message", "mode": "active", "timestamp": {ts}, '
            f'"webhookEventId": "{event_id}", "source": {{"type": "user", "userId": "{user}"}}, '
            f'"replyToken": "{token}", "message": {message}}}'
        )

    odd = {
        "01ODDTIME": event("1e20", '"通報"', "01ODDTIME"),
        "01ODDNAN": event("NaN", "NaN", "01ODDNAN"),
        "01ODDSURROGATE": event("1700000000000", '"\\ud800"', "01ODDSURROGATE"),
    }
    for event_json in odd.values():
        assert stack.post(body(event_json)).status_code == 200
    deep = "[" * 100_000 + "]" * 100_000
    fine = event("1700000000000", '"ヘルプ"', "01ODDFINE")
    response = stack.post(body(f"{fine}, {deep}"))
    assert 400 <= response.status_code < 500
    stack.settled()
    stored = dict(
        (row[0], row[1:])
        for row in stack.rows(
            "SELECT webhook_event_id, event_time, raw IS NOT NULL, payload->'message'->'text'"
            " FROM line_events WHERE webhook_event_id LIKE '01ODD%%'"
        )
    )
    assert stored == {
        "01ODDTIME": (None, False, "通報"),
        "01ODDNAN": (None, True, None),
        "01ODDSURROGATE": (stored["01ODDSURROGATE"][0], True, "\ufffd"),
    }
    assert stack.rows("SELECT count(*) FROM line_events")[0][0] == before + 3
    assert stack.rows(
        "SELECT count(*) FROM line_events"
        " WHERE webhook_event_id LIKE '01ODD%%' AND error IS NOT NULL"
    ) == [(0,)]


def _signed_in(stack: Stack) -> requests.Session:
    """A staff member signed in over HTTP, as a browser would."""
    with psycopg.connect(libpq_url(stack.db_url)) as conn:
        conn.execute(
            "INSERT INTO staff_users (login, display_name, password_hash, role)"
            " VALUES ('e2e-staff', 'e2e', %s, 'staff') ON CONFLICT DO NOTHING",
            (hash_password(PASSWORD),),
        )
    session = requests.Session()
    page = session.get(f"{stack.url}/staff/login", timeout=10)
    signed = session.post(
        f"{stack.url}/staff/login",
        data={"login": "e2e-staff", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        timeout=10,
    )
    assert signed.status_code == 200 and "/staff/login" not in signed.url
    return session
