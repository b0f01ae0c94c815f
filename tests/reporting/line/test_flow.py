"""A resident's whole report over LINE: webhook, worker, fake LINE Platform and PostGIS."""

import random
import re
from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from PIL import Image

from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.settings import libpq_url
from tests.conftest import AppFactory
from tests.reporting.images import SENTINELS
from tests.reporting.images import encode
from tests.reporting.images import noise
from tests.reporting.line_world import KITA
from tests.reporting.line_world import KURASHIKI
from tests.reporting.line_world import Resident
from tests.reporting.line_world import drain
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform
from tests.reporting.line_world import payloads

USER = "U" + "1" * 32


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform) -> Flask:
    application = make_app(fresh_areas_db_url, **line_config(platform))
    yield application
    application.extensions["tsuho.line"].close()


@pytest.fixture
def resident(app: Flask, platform: FakeLinePlatform) -> Resident:
    platform.set_profile(USER, "山田", language="ja")
    return Resident(USER, platform, app.test_client())


def query(app: Flask, sql: str) -> list[tuple]:
    with psycopg.connect(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"])) as conn:
        return conn.execute(sql).fetchall()


def photo(seed: int) -> bytes:
    return encode(noise("RGB", (640, 480), seed), "JPEG")


def agree_and_start(app: Flask, resident: Resident) -> None:
    resident.deliver(resident.events.follow(USER))
    drain(app)
    assert "利用規約" in resident.last_text() or "同意" in resident.last_text()
    resident.taps("consent=yes&v=2026-11-01")
    resident.says("通報")
    drain(app)


def test_a_full_report_with_three_photos_sent_as_a_shuffled_image_set(
    app: Flask, resident: Resident
) -> None:
    agree_and_start(app, resident)
    assert "カメラで撮る" in payloads(resident.received()[-1:])
    images = [
        resident.events.image(USER, photo(i), image_set=("set-1", i + 1, 3)) for i in range(3)
    ]
    random.Random(7).shuffle(images)
    assert resident.deliver(*images) == 200
    drain(app)
    lon, lat = KITA
    resident.deliver(resident.events.location(USER, lat, lon, address="岡山市北区駅元町"))
    drain(app)
    assert "北区" in resident.last_text()
    resident.taps("kind=road.pothole")
    resident.says("駅前の歩道に深い穴があります")
    drain(app)
    resident.taps("confirm=send")
    drain(app)

    receipt = re.search(r"\d{4}-\d{5}", resident.last_text())
    assert receipt, resident.last_text()
    ((number, category, sub, area, note, photos, where),) = query(
        app,
        "SELECT receipt_number, category, subcategory, area_code, note,"
        " (SELECT count(*) FROM photos p WHERE p.report_id = r.id),"
        " ST_AsText(location) FROM reports r",
    )
    assert (number, category, sub, area, photos) == (receipt.group(), "road", "pothole", "33101", 3)
    assert note == "駅前の歩道に深い穴があります"
    assert where == f"POINT({lon} {lat})"
    assert query(app, "SELECT count(*) FROM photos WHERE report_id IS NULL") == [(0,)]
    # Three photos in one set are acknowledged once, not three times.
    acknowledgements = [t for t in resident.texts() if "3/4" in t or "（3" in t]
    assert len(acknowledgements) <= 1
    assert query(app, "SELECT count(*) FROM line_events WHERE processed_at IS NULL") == [(0,)]


def test_stored_photos_carry_no_metadata(app: Flask, resident: Resident) -> None:
    agree_and_start(app, resident)
    resident.deliver(resident.events.image(USER, photo(1)))
    drain(app)
    ((key,),) = query(app, "SELECT storage_key FROM photos")
    stored = app.extensions["tsuho.photos"].read(key)
    for secret in SENTINELS:
        assert (secret.encode() if isinstance(secret, str) else secret) not in stored
    with app.extensions["tsuho.photos"].open(key) as file, Image.open(file) as image:
        assert not image.getexif()


def test_a_refused_image_is_explained_and_nothing_is_stored(
    app: Flask, resident: Resident
) -> None:
    agree_and_start(app, resident)
    resident.deliver(resident.events.image(USER, b"GIF89a not a photo at all"))
    drain(app)
    assert "JPEG" in resident.last_text() or "写真" in resident.last_text()
    assert query(app, "SELECT count(*) FROM photos") == [(0,)]


def test_a_location_outside_the_city_names_the_municipality(
    app: Flask, resident: Resident
) -> None:
    agree_and_start(app, resident)
    resident.deliver(resident.events.image(USER, photo(2)))
    lon, lat = KURASHIKI
    resident.deliver(resident.events.location(USER, lat, lon))
    drain(app)
    assert "倉敷市" in resident.last_text()
    assert query(app, "SELECT count(*) FROM reports") == [(0,)]


def test_the_same_delivery_five_times_gives_one_reply(app: Flask, resident: Resident) -> None:
    follow = resident.events.follow(USER)
    for _ in range(5):
        assert resident.deliver(follow) == 200
    drain(app)
    assert len(resident.received()) == 1
    assert resident.received()[0].channel == "reply"


def test_push_is_used_only_when_the_reply_token_has_expired(
    app: Flask, resident: Resident, platform: FakeLinePlatform
) -> None:
    fresh = resident.events.follow(USER)
    resident.deliver(fresh)
    drain(app)
    assert [m.channel for m in resident.received()] == ["reply"]
    stale = resident.events.text(USER, "ヘルプ")
    platform.expire_reply_token(stale["replyToken"])
    resident.deliver(stale)
    drain(app)
    assert resident.received()[-1].channel == "push"
    assert platform.pushes == 1


def test_an_english_profile_gets_english(
    app: Flask, resident: Resident, platform: FakeLinePlatform
) -> None:
    platform.set_profile(USER, "Alex", language="en")
    resident.deliver(resident.events.follow(USER))
    drain(app)
    assert "terms of use" in resident.last_text()
    assert query(app, "SELECT language FROM residents") == [("en",)]


def test_an_unsent_draft_photo_is_removed(app: Flask, resident: Resident) -> None:
    agree_and_start(app, resident)
    image = resident.events.image(USER, photo(5))
    resident.deliver(image)
    drain(app)
    assert query(app, "SELECT count(*) FROM photos") == [(1,)]
    resident.deliver(resident.events.unsend(USER, image["message"]["id"]))
    drain(app)
    assert query(app, "SELECT count(*) FROM photos") == [(0,)]


def test_a_blocked_resident_is_told_once_and_nothing_is_kept(
    app: Flask, resident: Resident
) -> None:
    agree_and_start(app, resident)
    query_count = len(resident.received())
    with psycopg.connect(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"])) as conn:
        conn.execute("UPDATE residents SET blocked = true")
    resident.taps("kind=road.pothole")
    resident.deliver(resident.events.image(USER, photo(6)))
    resident.says("通報")
    drain(app)
    notices = resident.texts()[query_count:]
    assert len(notices) == 1
    assert "停止" in notices[0]
    assert query(app, "SELECT count(*) FROM photos") == [(0,)]


def test_a_failing_line_platform_is_retried_later_and_the_error_is_visible(
    app: Flask, resident: Resident, platform: FakeLinePlatform
) -> None:
    agree_and_start(app, resident)
    drain(app)
    platform.fail_next(1, status=503, endpoint="content")
    resident.deliver(resident.events.image(USER, photo(7)))
    drain(app)
    ((error, processed),) = query(
        app,
        "SELECT error, processed_at FROM line_events"
        " WHERE payload->'message'->>'type' = 'image'",
    )
    assert "LineUnavailable" in error
    assert processed is None
    ((status, attempts, later),) = query(
        app,
        "SELECT status, attempts, scheduled_at > now() FROM procrastinate_jobs"
        " WHERE task_name = 'handle_line_event' ORDER BY id DESC LIMIT 1",
    )
    assert (status, attempts, later) == ("todo", 1, True)


def test_status_lists_the_residents_reports_with_their_kind(app: Flask, resident: Resident) -> None:
    agree_and_start(app, resident)
    resident.deliver(resident.events.image(USER, photo(8)))
    lon, lat = KITA
    resident.deliver(resident.events.location(USER, lat, lon))
    resident.taps("kind=road.pothole")
    resident.taps("confirm=send")
    resident.says("状況")
    drain(app)
    assert "道路（穴・陥没）" in resident.last_text()
