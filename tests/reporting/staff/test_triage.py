"""Triage from the staff pages: what the resident is told, the after-repair photo, bulk changes."""

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporting import reports
from reporting.db import db
from reporting.line.media import photo_urls
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import Resident
from tests.conftest import AppFactory
from tests.reporting.images import SENTINELS
from tests.reporting.images import encode
from tests.reporting.images import quadrants
from tests.reporting.line_world import KITA
from tests.reporting.line_world import drain
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form

PUBLIC = "https://tsuho.example.jp"


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform) -> Flask:
    application = make_app(fresh_areas_db_url, **line_config(platform), PUBLIC_URL=PUBLIC)
    add_user(application, "tanaka", "staff")
    add_user(application, "yamada", "viewer")
    return application


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "tanaka")
    return client


def seed(app: Flask, user: str = "U" + "7" * 32, language: str = "ja") -> int:
    with app.app_context():
        session = db.session()
        person = Resident(line_user_id=user, language=language)
        session.add(person)
        session.flush()
        report = reports.create_report(
            session, category="road", subcategory="pothole", lon=KITA[0], lat=KITA[1],
            now=datetime.now(UTC), resident_id=person.id,
        )  # fmt: skip
        session.commit()
        return report.id


def report_of(app: Flask, report_id: int) -> Report:
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report is not None
        db.session.expunge(report)
        return report


def audit(app: Flask, report_id: int) -> list[ReportEvent]:
    with app.app_context():
        found = db.session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def post_photo(staff: FlaskClient, report_id: int, data: bytes, **fields: str) -> str:
    """Post the status form with a file, as the browser does; return the flash shown."""
    page = f"/staff/reports/{report_id}"
    form = {"csrf_token": csrf_token(staff.get(page).text), **fields,
            "photo": (io.BytesIO(data), "after.jpg")}  # fmt: skip
    answer = staff.post(f"{page}/status", data=form, content_type="multipart/form-data")
    assert answer.status_code == 302
    return staff.get(page).text


def test_a_resolution_with_an_after_repair_photo_pushes_the_text_then_the_image(
    app: Flask, staff: FlaskClient, platform: FakeLinePlatform
) -> None:
    report_id = seed(app)
    photo = encode(quadrants((640, 480)), "JPEG")
    page = post_photo(staff, report_id, photo, status="resolved", notify="1")
    assert "状態を「対応完了」に変更しました。" in page
    drain(app)
    text, image = platform.sent_to("U" + "7" * 32)
    assert "「対応完了」になりました" in (text.text or "")
    assert image.type == "image"
    full, preview = image.message["originalContentUrl"], image.message["previewImageUrl"]
    assert full.startswith(PUBLIC + "/line/media/") and preview.startswith(PUBLIC)
    # LINE fetches both without credentials: the cleaned photo and its thumbnail.
    anonymous = app.test_client()
    with app.app_context():
        kept = db.session.scalars(select(Photo).where(Photo.report_id == report_id)).one()
        assert kept.kind == "after_repair"
        store = app.extensions["tsuho.photos"]
        stored, thumbnail = store.read(kept.storage_key), store.read(kept.thumbnail_key)
    with anonymous.get(urlsplit(full).path) as answer:
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
        assert answer.data == stored
        assert not any(sentinel in answer.data for sentinel in SENTINELS)
    with anonymous.get(urlsplit(preview).path) as answer:
        assert answer.data == thumbnail
    # The photo is on the report's page and in its history; the audit keeps what was sent.
    assert f"/staff/photos/{kept.thumbnail_key}" in page and "補修後の写真" in page
    event = audit(app, report_id)[-1]
    assert event.data["photo_id"] == kept.id and event.data["message"] == text.text


def test_only_a_signed_url_of_an_after_repair_photo_is_served(
    app: Flask, staff: FlaskClient
) -> None:
    report_id = seed(app)
    store = app.extensions["tsuho.photos"]
    key = store.put(b"\xff\xd8 resident photo")
    with app.app_context():
        resident_photo = Photo(report_id=report_id, content_hash=key, size_bytes=1, width=1,
                               height=1, storage_key=key, thumbnail_key=key)  # fmt: skip
        db.session.add(resident_photo)
        db.session.commit()
        signed = photo_urls(app)(resident_photo.id)
    assert signed is not None
    client = app.test_client()
    assert client.get(urlsplit(signed.original_url).path).status_code == 404
    token = urlsplit(signed.original_url).path.split("/")[3]
    assert client.get(f"/line/media/{token[:-2]}xx/full.jpg").status_code == 404
    assert client.get("/line/media/not-a-token/full.jpg").status_code == 404
    assert client.get(f"/line/media/{token}/huge.jpg").status_code == 404


@pytest.mark.parametrize(
    ("fields", "data", "said"),
    [
        ({"status": "in_progress"}, encode(quadrants(), "JPEG"), "その状態には変更できません。"),
        ({"status": "resolved"}, b"GIF89a not a photo", "この形式の画像には対応していません。"),
    ],
)
def test_a_photo_that_cannot_go_with_the_change_changes_nothing(
    app: Flask, staff: FlaskClient, fields: dict[str, str], data: bytes, said: str
) -> None:
    report_id = seed(app)
    page = post_photo(staff, report_id, data, notify="1", **fields)
    assert said in page
    assert report_of(app, report_id).status == "new"
    with app.app_context():
        assert db.session.scalars(select(Photo)).all() == []
    assert len(audit(app, report_id)) == 1


def test_without_a_public_url_the_text_still_goes(
    fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make_app(fresh_areas_db_url, **line_config(platform))
    add_user(app, "tanaka", "staff")
    staff = app.test_client()
    log_in(staff, "tanaka")
    report_id = seed(app)
    post_photo(staff, report_id, encode(quadrants(), "PNG"), status="resolved", notify="1")
    drain(app)
    (only,) = platform.sent_to("U" + "7" * 32)
    assert only.type == "text"


def test_the_message_staff_edit_is_what_the_resident_reads(
    app: Flask, staff: FlaskClient, platform: FakeLinePlatform
) -> None:
    report_id = seed(app, language="en")
    page = f"/staff/reports/{report_id}"
    written = "We will fill the hole on Monday morning.\nPlease take care until then."
    post_form(staff, f"{page}/status",
              {"status": "in_progress", "notify": "1", "message": written, "note": "班A"},
              page)  # fmt: skip
    drain(app)
    (sent,) = platform.sent_to("U" + "7" * 32)
    assert sent.text == written
    history = staff.get(page).text
    assert "We will fill the hole on Monday morning." in history and "班A" in history
    # Without the tick nothing is sent, whatever is written.
    post_form(staff, f"{page}/status", {"status": "resolved", "message": "not sent"}, page)
    drain(app)
    assert len(platform.sent_to("U" + "7" * 32)) == 1
    assert audit(app, report_id)[-1].data == {"notify": False}


def test_the_page_offers_the_standard_messages_in_the_residents_language(
    app: Flask, staff: FlaskClient
) -> None:
    report_id = seed(app, language="en")
    original = seed(app, user="U" + "8" * 32)
    page = staff.get(f"/staff/reports/{report_id}").text
    receipt = report_of(app, report_id).receipt_number
    notice = json.loads(re.search(r'id="notice-data">(.*?)</script>', page).group(1))
    assert notice["statuses"]["resolved"].startswith(f'Report {receipt} is "resolved" now.')
    assert notice["statuses"]["new"] == ""
    assert "the national road authority" in notice["managers"]["national"]
    assert notice["notify_by_default"] == ["duplicate", "referred", "rejected", "resolved"]
    number = report_of(app, original).receipt_number
    preview = staff.get(f"/staff/reports/{report_id}/notice.json?receipt={number}").get_json()
    assert f"report {number} about the same place" in preview["message"]
    assert staff.get(f"/staff/reports/{report_id}/notice.json?receipt=x").get_json() == {
        "message": None
    }


def test_a_bulk_status_change_tells_each_resident_once(
    app: Flask, staff: FlaskClient, platform: FakeLinePlatform
) -> None:
    users = ["U" + str(n) * 32 for n in range(1, 5)]
    ids = [seed(app, user=user) for user in users]
    already = ids[3]
    staff_form = {"change": "status", "status": "resolved", "notify": "1"}
    post_form(staff, f"/staff/reports/{already}/status", {"status": "resolved"},
              f"/staff/reports/{already}")  # fmt: skip
    answer = staff.post(
        "/staff/reports/bulk?status=open",
        data={**staff_form, "report": [str(i) for i in ids],
              "csrf_token": csrf_token(staff.get("/staff/reports").text)},
    )  # fmt: skip
    assert answer.headers["Location"] == "/staff/reports?status=open"
    page = staff.get("/staff/reports").text
    assert "3 件を変更しました。" in page and "1 件は変更の必要がありませんでした。" in page
    drain(app)
    for user, report_id in zip(users[:3], ids[:3], strict=True):
        (notice,) = platform.sent_to(user)
        assert report_of(app, report_id).receipt_number in (notice.text or "")
        assert [e.action for e in audit(app, report_id)] == ["created", "status"]
    assert platform.sent_to(users[3]) == []


def test_bulk_department_and_priority_and_what_is_refused(
    app: Flask, staff: FlaskClient
) -> None:
    ids = [seed(app, user=f"U{n}" + "0" * 31) for n in range(3)]
    token = csrf_token(staff.get("/staff/reports").text)

    def bulk(client: FlaskClient = staff, **form: object) -> int:
        return client.post("/staff/reports/bulk", data={"csrf_token": token, **form}).status_code

    assert bulk(change="department", department="道路維持課", report=[str(i) for i in ids]) == 302
    assert bulk(change="priority", priority="2", report=[str(i) for i in ids[:2]]) == 302
    assert [report_of(app, i).department for i in ids] == ["道路維持課"] * 3
    assert [report_of(app, i).priority for i in ids] == [2, 2, 0]
    assert bulk(change="status", status="duplicate", report=[str(ids[0])]) == 302
    assert bulk(change="priority", priority="9", report=[str(ids[2])]) == 302
    assert bulk(change="status", status="resolved") == 302
    assert "先に、変更する通報を選んでください。" in staff.get("/staff/reports").text
    assert bulk(change="teleport", report=[str(ids[0])]) == 400
    assert bulk(change="priority", priority="1", report=["999999"]) == 404
    assert bulk(change="priority", priority="1", report=["1; DROP"]) == 302
    viewer = app.test_client()
    log_in(viewer, "yamada")
    viewer_token = csrf_token(viewer.get("/staff/reports").text)
    refused = viewer.post("/staff/reports/bulk", data={
        "csrf_token": viewer_token, "change": "priority", "priority": "1",
        "report": [str(ids[2])]})  # fmt: skip
    assert refused.status_code == 403
    assert [report_of(app, i).status for i in ids] == ["new"] * 3
    assert [report_of(app, i).priority for i in ids] == [2, 2, 0]
