"""Resident reporting over real HTTP: gunicorn, the worker, the fake LINE Platform, PostGIS."""

import random
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.settings import libpq_url
from tests.conftest import migrate
from tests.processes import Process
from tests.processes import create_database
from tests.processes import gunicorn
from tests.processes import private_cluster
from tests.processes import wait_until
from tests.processes import worker
from tests.reporting.images import encode
from tests.reporting.images import noise
from tests.reporting.line_world import BOT
from tests.reporting.line_world import KITA
from tests.reporting.line_world import KURASHIKI
from tests.reporting.line_world import SECRET
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform

pytestmark = pytest.mark.slow

TERMS = "2026-11-01"


@dataclass
class Stack:
    url: str
    db_url: str
    platform: FakeLinePlatform
    env: dict[str, str]
    worker: Process
    tmp: Path

    def rows(self, sql: str, *args: Any) -> list[tuple]:
        with psycopg.connect(libpq_url(self.db_url)) as conn:
            return conn.execute(sql, args).fetchall()


def post(url: str, body: bytes, sign: str | None = None) -> requests.Response:
    headers = {"X-Line-Signature": signature(body, SECRET) if sign is None else sign}
    return requests.post(f"{url}/line/webhook", data=body, headers=headers, timeout=10)


@dataclass
class Person:
    """A resident talking to the running server."""

    user_id: str
    stack: Stack

    @property
    def events(self) -> EventBuilder:
        return EventBuilder(self.stack.platform)

    def send(self, *events: dict[str, Any], replies: int = 1) -> list[str]:
        """Deliver events; wait for the bot's next ``replies`` messages; return their texts."""
        before = len(self.stack.platform.sent_to(self.user_id))
        response = post(self.stack.url, webhook_body(BOT, list(events)))
        assert response.status_code == 200, response.text
        if not replies:
            return []
        sent = self.stack.platform.wait_for_messages(self.user_id, before + replies, timeout=30)
        return [m.text or "" for m in sent[before:]]

    def say(self, text: str) -> list[str]:
        return self.send(self.events.text(self.user_id, text))

    def tap(self, data: str) -> list[str]:
        return self.send(self.events.postback(self.user_id, data))

    def until_location(self, photos: int = 1) -> None:
        """Agree, start and send photos."""
        self.send(self.events.follow(self.user_id))
        self.tap(f"consent=yes&v={TERMS}")
        self.say("通報")
        images = [
            self.events.image(self.user_id, photo(i), image_set=("s1", i + 1, photos))
            for i in range(photos)
        ]
        random.Random(3).shuffle(images)
        self.send(*images)

    def locate(self, lon: float, lat: float) -> list[str]:
        return self.send(self.events.location(self.user_id, lat, lon, address="岡山市北区駅元町"))


def photo(seed: int) -> bytes:
    return encode(noise("RGB", (800, 600), seed), "JPEG")


@pytest.fixture
def stack(fresh_areas_db_url: str, tmp_path: Path) -> Iterator[Stack]:
    with line_platform() as platform:
        env = {
            "DATABASE_URL": fresh_areas_db_url,
            "PHOTO_DIR": str(tmp_path / "photos"),
            "SECRET_KEY": "e2e",
            **{k: str(v) for k, v in line_config(platform).items()},
        }
        jobs = worker(env, tmp_path / "worker.log", "--stalled-after", "2")
        try:
            with gunicorn(env, tmp_path / "web.log") as url:
                yield Stack(url, fresh_areas_db_url, platform, env, jobs, tmp_path)
        finally:
            jobs.stop()


def test_a_full_report_with_three_photos_in_a_shuffled_image_set(stack: Stack) -> None:
    resident = Person("U" + "a" * 32, stack)
    resident.until_location(photos=3)
    assert any("北区" in t for t in resident.locate(*KITA))
    resident.tap("kind=road.crack")
    resident.say("歩道の段差で自転車が転びそうです")
    (receipt_text,) = resident.tap("confirm=send")
    receipt = re.search(r"\d{4}-\d{5}", receipt_text)
    assert receipt, receipt_text
    ((number, area, photos),) = stack.rows(
        "SELECT receipt_number, area_code,"
        " (SELECT count(*) FROM photos p WHERE p.report_id = r.id) FROM reports r"
    )
    assert (number, area, photos) == (receipt.group(), "33101", 3)


def test_the_same_webhook_five_times_gives_one_report_and_one_reply(stack: Stack) -> None:
    resident = Person("U" + "b" * 32, stack)
    resident.until_location()
    resident.locate(*KITA)
    resident.tap("kind=road.pothole")
    send = resident.events.postback(resident.user_id, "confirm=send")
    body = webhook_body(BOT, [send])
    before = len(stack.platform.sent_to(resident.user_id))
    assert [post(stack.url, body).status_code for _ in range(5)] == [200] * 5
    stack.platform.wait_for_messages(resident.user_id, before + 1, timeout=30)
    wait_until(
        lambda: (
            stack.rows("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
            == [(0,)]
            or None
        )
    )
    assert len(stack.platform.sent_to(resident.user_id)) == before + 1
    assert stack.rows("SELECT count(*) FROM reports") == [(1,)]


def test_an_outside_location_names_the_neighbouring_municipality(stack: Stack) -> None:
    resident = Person("U" + "c" * 32, stack)
    resident.until_location()
    answer = resident.locate(*KURASHIKI)
    assert any("倉敷市" in t for t in answer), answer
    assert stack.rows("SELECT count(*) FROM reports") == [(0,)]


def test_bad_input_never_gets_a_5xx_nor_makes_a_report(stack: Stack) -> None:
    user = "U" + "d" * 32
    events = EventBuilder(stack.platform)
    assert post(stack.url, webhook_body(BOT, []), "bad signature").status_code == 400
    assert post(stack.url, b'{"events": [', None).status_code == 400
    huge = b'{"events": [], "pad": "' + b"x" * 2_000_000 + b'"}'
    assert post(stack.url, huge).status_code == 413
    every = [
        events.text(user, "通報"),
        events.image(user, b"not an image"),
        events.video(user, b"v"),
        events.audio(user, b"a"),
        events.file(user, "x.pdf", b"%PDF"),
        events.location(user, 95.0, 500.0),
        events.sticker(user),
        events.follow(user),
        events.postback(user, "cat=nonsense&&=="),
        events.unsend(user, "1"),
        events.beacon(user),
        events.join("C" + "1" * 32),
        events.leave("C" + "1" * 32),
        events.member_joined("C" + "1" * 32, [user]),
        events.unknown(user, "brandNewEvent"),
        events.unfollow(user),
    ]
    for event in every:
        assert post(stack.url, webhook_body(BOT, [event])).status_code == 200
    wait_until(
        lambda: (
            stack.rows("SELECT count(*) FROM line_events WHERE processed_at IS NULL") == [(0,)]
            or None
        )
    )
    assert stack.rows("SELECT count(*) FROM line_events WHERE error IS NOT NULL") == [(0,)]
    assert stack.rows("SELECT count(*) FROM reports") == [(0,)]


def test_a_worker_killed_mid_job_finishes_after_restart_without_a_duplicate(
    stack: Stack,
) -> None:
    resident = Person("U" + "e" * 32, stack)
    resident.until_location()
    resident.locate(*KITA)
    resident.tap("kind=road.pothole")
    with psycopg.connect(libpq_url(stack.db_url)) as blocker:
        # Hold the reports table so the worker's job stops inside its transaction.
        blocker.execute("LOCK TABLE reports IN EXCLUSIVE MODE")
        resident.send(resident.events.postback(resident.user_id, "confirm=send"), replies=0)
        wait_until(
            lambda: stack.rows("SELECT count(*) FROM pg_locks WHERE NOT granted") != [(0,)] or None
        )
        stack.worker.stop(signal.SIGKILL)
        blocker.rollback()
    assert stack.rows("SELECT count(*) FROM reports") == [(0,)]
    restarted = worker(stack.env, stack.tmp / "worker2.log", "--stalled-after", "2")
    try:
        sent = stack.platform.wait_for_messages(
            resident.user_id, len(stack.platform.sent_to(resident.user_id)) + 1, timeout=60
        )
    except TimeoutError:
        jobs = stack.rows("SELECT id, task_name, status, worker_id FROM procrastinate_jobs")
        workers = stack.rows("SELECT * FROM procrastinate_workers")
        raise AssertionError(f"{jobs}\n{workers}\n{restarted.output()[-3000:]}") from None
    finally:
        restarted.stop()
    assert "受付番号" in (sent[-1].text or "")
    assert stack.rows("SELECT count(*) FROM reports") == [(1,)]
    assert stack.rows("SELECT count(*) FROM photos WHERE report_id IS NOT NULL") == [(1,)]


def test_push_is_used_only_when_the_reply_token_has_expired(stack: Stack) -> None:
    resident = Person("U" + "f" * 32, stack)
    resident.send(resident.events.follow(resident.user_id))
    (first,) = stack.platform.sent_to(resident.user_id)
    late = resident.events.text(resident.user_id, "ヘルプ")
    stack.platform.expire_reply_token(late["replyToken"])
    resident.send(late)
    later = stack.platform.sent_to(resident.user_id)[1:]
    assert first.channel == "reply"
    assert later and {m.channel for m in later} == {"push"}
    assert stack.platform.pushes == 1


def test_the_database_stopped_during_a_webhook_gives_5xx_and_no_half_rows(
    tmp_path: Path,
) -> None:
    with private_cluster() as cluster, line_platform() as platform:
        db_url = create_database(cluster.url)
        migrate(db_url.replace("postgresql://", "postgresql+psycopg://"))
        env = {
            "DATABASE_URL": db_url,
            "PHOTO_DIR": str(tmp_path / "p"),
            "SECRET_KEY": "e2e",
            **{k: str(v) for k, v in line_config(platform).items()},
        }
        events = EventBuilder(platform)
        event = events.text("U" + "9" * 32, "通報")
        body = webhook_body(BOT, [event])
        with gunicorn(env, tmp_path / "web.log") as url:
            blocker = psycopg.connect(db_url)
            blocker.execute("LOCK TABLE line_events IN EXCLUSIVE MODE")
            pending = _post_in_background(url, body)
            wait_until(lambda: _waiting_on_lock(db_url))
            cluster.stop("immediate")
            blocker.close()
            assert pending.result(timeout=30).status_code >= 500
            cluster.start()
            with psycopg.connect(db_url) as conn:
                assert conn.execute("SELECT count(*) FROM line_events").fetchone() == (0,)
                assert conn.execute("SELECT count(*) FROM procrastinate_jobs").fetchone() == (0,)
            # LINE redelivers; now it is recorded once, with its job.
            assert wait_until(lambda: post(url, body).status_code == 200, 30)
            with psycopg.connect(db_url) as conn:
                assert conn.execute("SELECT count(*) FROM line_events").fetchone() == (1,)
                assert conn.execute("SELECT count(*) FROM procrastinate_jobs").fetchone() == (1,)


def _post_in_background(url: str, body: bytes):  # noqa: ANN202
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1)
    future = pool.submit(post, url, body)
    pool.shutdown(wait=False)
    return future


def _waiting_on_lock(db_url: str) -> bool:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
        return bool(row and row[0])
