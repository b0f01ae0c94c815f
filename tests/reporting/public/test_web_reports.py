"""The web report form: filing with photos and a pin, refusals that change nothing, abuse.

Every refusal is a 4xx with nothing stored: no report, no photo row.
"""

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from reporting.db import db
from reporting.models import Photo
from reporting.models import Report
from reporting.public.web_reports import token_hash
from tests.conftest import AppFactory
from tests.reporting.line_world import KITA
from tests.reporting.line_world import KURASHIKI
from tests.reporting.public.world import jpeg
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form

LINK = re.compile(r'id="status-link" href="([^"]+)"')


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(fresh_areas_db_url, PUBLIC_REPORT_RATE_LIMIT="100 per hour")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def fields(client: FlaskClient, **changes: object) -> dict[str, object]:
    token = csrf_token(client.get("/report").text)
    data: dict[str, object] = {
        "csrf_token": token,
        "kind": "road.pothole",
        "lon": str(KITA[0]),
        "lat": str(KITA[1]),
        "note": "歩道の穴",
        "consent": "y",
        "website": "",
        "photos": [(io.BytesIO(jpeg(1, (640, 480))), "IMG_0001.jpg", "image/jpeg")],
    }
    data.update(changes)
    return data


def send(client: FlaskClient, **changes: object):  # noqa: ANN201 - a test response
    return client.post("/report", data=fields(client, **changes),
                       content_type="multipart/form-data")  # fmt: skip


def stored(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Report)) or 0,
            db.session.scalar(select(func.count()).select_from(Photo)) or 0,
        )


def file(client: FlaskClient, **changes: object) -> tuple[str, str]:
    """Send, confirm and return the receipt number and the status link's path."""
    checked = send(client, **changes)
    assert checked.status_code == 200, checked.text
    assert "道路（穴・陥没）" in checked.text and "北区" in checked.text
    done = client.post("/report/confirm", data={"csrf_token": csrf_token(checked.text)},
                       follow_redirects=True)  # fmt: skip
    assert done.status_code == 200, done.text
    receipt = re.search(r'id="receipt">([^<]+)<', done.text)
    link = LINK.search(done.text)
    assert receipt and link
    return receipt.group(1), link.group(1).split("://", 1)[-1].split("/", 1)[-1]


def test_a_web_report_is_filed_with_its_cleaned_photos_and_a_private_status_link(
    app: Flask, client: FlaskClient
) -> None:
    photos = [(io.BytesIO(jpeg(n, (640, 480))), f"IMG_{n}.jpg", "image/jpeg") for n in (1, 2)]
    receipt, path = file(client, photos=photos)
    token = path.rsplit("/", 1)[-1]
    assert len(token) >= 40
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.receipt_number == receipt))
        assert report is not None
        assert report.source == "web" and report.resident_id is None
        assert (report.category, report.subcategory, report.area_code) == (
            "road", "pothole", "33101")
        assert report.note == "歩道の穴"
        assert report.status_token_hash == token_hash(token) != token
        kept = db.session.scalars(select(Photo).where(Photo.report_id == report.id)).all()
        assert len(kept) == 2 and not any(p.published for p in kept)
        for photo in kept:
            data = app.extensions["tsuho.photos"].read(photo.storage_key)
            assert b"TsuhoCam" not in data and b"GPS" not in data
    status = client.get("/" + path)
    assert status.status_code == 200 and receipt in status.text
    assert "受付" in status.text and "歩道の穴" not in status.text
    assert status.headers["Cache-Control"] == "no-store"
    # The link is shown once; the confirmation cannot be sent twice.
    assert client.get("/report/done").status_code == 302
    token = csrf_token(client.get("/report").text)
    again = client.post("/report/confirm", data={"csrf_token": token})
    assert again.status_code == 409
    assert stored(app) == (1, 2)


def test_the_status_link_shows_a_change_made_by_staff(app: Flask, client: FlaskClient) -> None:
    receipt, path = file(client)
    add_user(app, "tanaka", "staff")
    staff = app.test_client()
    log_in(staff, "tanaka")
    with app.app_context():
        report_id = db.session.scalar(select(Report.id).where(Report.receipt_number == receipt))
    assert "ウェブフォーム" in staff.get(f"/staff/reports/{report_id}").text
    assert "ウェブフォーム" in staff.get("/staff/reports").text
    post_form(staff, f"/staff/reports/{report_id}/status", {"status": "in_progress"})
    post_form(staff, f"/staff/reports/{report_id}/public_answer",
              {"public_answer": "来週補修します。"})  # fmt: skip
    page = client.get("/" + path)
    assert "対応中" in page.text and "来週補修します。" in page.text
    assert client.get("/report/status/" + "A" * 43).status_code == 404


def test_a_pin_outside_the_city_is_refused_naming_the_municipality(
    app: Flask, client: FlaskClient
) -> None:
    refused = send(client, lon=str(KURASHIKI[0]), lat=str(KURASHIKI[1]))
    assert refused.status_code == 400
    assert "この地点は倉敷市で、岡山市の外です。" in refused.text
    unplaced = send(client, lon="nan")
    assert unplaced.status_code == 400 and "地図で場所を指定するか" in unplaced.text
    client.get("/language/en")
    refused = send(client, lon=str(KURASHIKI[0]), lat=str(KURASHIKI[1]))
    assert "This point is in Kurashiki" in refused.text
    assert stored(app) == (0, 0)


@pytest.mark.parametrize(
    "changes",
    [
        {"consent": ""},
        {"kind": "road.teleporter"},
        {"kind": ""},
        {"lon": "", "lat": ""},
        {"lon": "nan", "lat": "34.6"},
        {"lon": "1e999", "lat": "34.6"},
        {"lat": "134", "lon": "34"},
        {"note": "あ" * 1001},
        {"note": "NUL\x00in the note"},
        {"lon": "133.9" + "1" * 40},
        {"photos": []},
        {"photos": [(io.BytesIO(jpeg(n)), f"{n}.jpg", "image/jpeg") for n in range(5)]},
        {"photos": [(io.BytesIO(b"not an image at all"), "x.jpg", "image/jpeg")]},
        {"website": "https://spam.example"},
        {"csrf_token": ""},
    ],
)
def test_bad_input_gets_a_4xx_and_changes_nothing(
    app: Flask, client: FlaskClient, changes: dict[str, object]
) -> None:
    response = send(client, **changes)
    assert 400 <= response.status_code < 500, response.status_code
    assert stored(app) == (0, 0)


def test_a_body_over_the_size_limit_is_413(app: Flask, client: FlaskClient) -> None:
    huge = (io.BytesIO(b"\xff\xd8" + b"\0" * (33 * 1024 * 1024)), "big.jpg", "image/jpeg")
    # The test client spools a large body to a temporary file: closed here, not left to GC.
    builder = EnvironBuilder(path="/report", method="POST", data=fields(client, photos=[huge]))
    environ = builder.get_environ()
    try:
        response = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 413
    assert stored(app) == (0, 0)


def test_a_forged_or_stale_draft_files_nothing(app: Flask, client: FlaskClient) -> None:
    checked = send(client)
    with client.session_transaction() as session:
        session["web_report"] = {**session["web_report"], "made_at": 0}
    response = client.post("/report/confirm", data={"csrf_token": csrf_token(checked.text)})
    assert response.status_code == 409
    assert stored(app) == (0, 0)


def test_each_address_may_send_only_so_many_forms(
    fresh_areas_db_url: str, make_app: AppFactory
) -> None:
    app = make_app(fresh_areas_db_url, PUBLIC_REPORT_RATE_LIMIT="2 per hour")
    client = app.test_client()
    assert send(client).status_code == 200
    assert send(client, consent="").status_code == 400  # a refused form counts too
    limited = send(client)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    other = app.test_client()
    other_address = {"REMOTE_ADDR": "192.0.2.7"}
    page = other.get("/report", environ_base=other_address)
    assert page.status_code == 200
    response = other.post("/report", data=fields(other), environ_base=other_address,
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 200
    assert stored(app) == (0, 0)
