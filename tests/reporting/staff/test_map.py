"""The staff map page, its count and popup endpoints, the API under a staff session, the stats."""

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting.db import db
from reporting.models import Report
from tests.conftest import AppFactory
from tests.reporting.line_world import KITA
from tests.reporting.staff.test_reports import ATTRIBUTE
from tests.reporting.staff.test_reports import PER_METRE
from tests.reporting.staff.test_reports import SCRIPT
from tests.reporting.staff.test_reports import seed
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import referenced_urls

BOX = "133.8,34.5,134.1,34.8"


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_areas_db_url)
    add_user(application, "tanaka", "staff")
    return application


def signed_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "tanaka")
    return client


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    return signed_in(app)


def test_the_map_page_is_small_local_and_embeds_no_reports(app: Flask, staff: FlaskClient) -> None:
    seed(app, note="秘密のメモ")
    page = staff.get("/staff/")
    assert page.status_code == 200
    assert len(page.data) < 500_000
    assert "秘密のメモ" not in page.text
    # Attributions reach Leaflet's attribution control inside the map script, JSON-escaped.
    for words in ("地理院タイル", "国土数値情報（行政区域データ）"):
        assert json.dumps(words)[1:-1] in page.text
    assert "/static/js/staff_map.js" in page.text
    for tag, url in referenced_urls(page.text):
        if tag in ("script", "link", "img"):
            assert url.startswith("/"), url
    assert "cdn" not in page.text.lower()


def test_the_tiles_come_from_configuration(fresh_areas_db_url: str, make_app: AppFactory) -> None:
    app = make_app(fresh_areas_db_url, MAP_TILES_URL="https://tiles.city.example/{z}/{x}/{y}.png",
                   MAP_TILES_ATTRIBUTION="City tiles")
    add_user(app, "sato", "viewer")
    client = app.test_client()
    log_in(client, "sato")
    page = client.get("/staff/").text
    assert "tiles.city.example" in page and "cyberjapandata" not in page


def test_a_receipt_number_jumps_to_its_report(app: Flask, staff: FlaskClient) -> None:
    report_id = seed(app)
    with app.app_context():
        number = db.session.get(Report, report_id).receipt_number  # type: ignore[union-attr]
    response = staff.get(f"/staff/?receipt={number}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/reports/{report_id}")
    assert staff.get("/staff/?receipt=nope").status_code == 200


def test_the_api_serves_a_staff_session_and_the_count_follows_filters(
    app: Flask, staff: FlaskClient
) -> None:
    seed(app)
    seed(app, category="park")
    assert app.test_client().get("/api/reports.geojson").status_code == 401
    features = staff.get(f"/api/reports.geojson?bbox={BOX}").get_json()["features"]
    assert len(features) == 2
    assert staff.get(f"/staff/map/count.json?bbox={BOX}").get_json()["count"] == 2
    assert staff.get(f"/staff/map/count.json?bbox={BOX}&category=park").get_json()["count"] == 1
    assert staff.get("/staff/map/count.json?bbox=0,0,1,1").get_json()["count"] == 0
    assert staff.get("/staff/map/count.json?status=nonsense").status_code == 400
    # "open" is received, acknowledged and in progress; several statuses add up.
    assert staff.get(f"/staff/map/count.json?bbox={BOX}&status=open").get_json()["count"] == 2
    for statuses, found in (("status=resolved", 0), ("status=resolved&status=new", 2)):
        answer = staff.get(f"/staff/map/count.json?bbox={BOX}&{statuses}").get_json()
        assert answer["count"] == found
    page = staff.get("/staff/?status=open&status=resolved").text
    settings = json.loads(page.split('id="map-settings">')[1].split("</script>")[0])
    assert settings["filters"] == {"status": "new,acknowledged,in_progress,resolved"}
    # The first view holds the service area: Okayama's wards lie within these bounds.
    (south, west), (north, east) = settings["bounds"]
    assert 34.4 < south < KITA[1] < north < 35.0 and 133.7 < west < KITA[0] < east < 134.2


def hide(app: Flask, report_id: int) -> None:
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report is not None
        report.hidden, report.hidden_reason = True, "privacy"
        db.session.commit()


def test_a_box_with_more_reports_than_the_configured_limit_gets_their_counts_per_cell(
    app: Flask, staff: FlaskClient, fresh_areas_db_url: str, make_app: AppFactory
) -> None:
    seed(app)
    seed(app, north_m=100)
    seed(app, north_m=-10_000)  # a cell at zoom 12 is about 2.7 km across
    hide(app, seed(app, north_m=400))  # neither counted nor pulling its cell's point
    count = f"/staff/map/count.json?bbox={BOX}&zoom=12"
    assert staff.get(count).get_json() == {"count": 3, "limit": 20_000}
    crowded = signed_in(make_app(fresh_areas_db_url, MAP_MARKER_LIMIT=2))
    found = crowded.get(count).get_json()
    assert found["count"] == 3 and found["limit"] == 2
    far, near = sorted(found["cells"], key=lambda cell: cell[2])
    assert far[2] == 1 and near[2] == 2
    # A cell sits at the mean of its reports, not at the corner of the grid.
    assert near[0] == pytest.approx(KITA[0], abs=1e-6)
    assert near[1] == pytest.approx(KITA[1] + 50 * PER_METRE, abs=1e-6)
    assert crowded.get(f"{count}&category=park").get_json() == {"count": 0, "limit": 2}
    assert crowded.get(f"/staff/map/count.json?bbox={BOX}").get_json() == {"count": 3, "limit": 2}
    # At the limit the page fetches the reports themselves, so no cells are sent.
    at_limit = signed_in(make_app(fresh_areas_db_url, MAP_MARKER_LIMIT=3))
    assert at_limit.get(count).get_json() == {"count": 3, "limit": 3}
    assert staff.get(f"/staff/map/count.json?bbox={BOX}&zoom=19").status_code == 400
    assert staff.get(f"/staff/map/count.json?bbox={BOX}&zoom=-1").status_code == 400


def test_the_popup_carries_the_note_as_data(app: Flask, staff: FlaskClient) -> None:
    report_id = seed(app, note=SCRIPT + ATTRIBUTE)
    facts = staff.get(f"/staff/reports/{report_id}/popup.json").get_json()
    assert facts["note"] == SCRIPT + ATTRIBUTE
    assert facts["url"] == f"/staff/reports/{report_id}"
    assert facts["thumbnail"] is None
    assert app.test_client().get(f"/staff/reports/{report_id}/popup.json").status_code == 302
    assert staff.get("/staff/reports/999999/popup.json").status_code == 404


def test_the_stats_count_and_chart(app: Flask, staff: FlaskClient) -> None:
    now = datetime.now(UTC)
    first = seed(app, created=now - timedelta(days=40))
    seed(app, category="park", note=SCRIPT)
    with app.app_context():
        report = db.session.get(Report, first)
        assert report is not None
        report.status = "resolved"
        report.resolved_at = report.created_at + timedelta(days=3)
        db.session.commit()
    page = staff.get("/staff/stats").text
    assert "<svg" in page and page.count('class="bar"') >= 1
    assert 'id="median-days"' in page and "3.0" in page
    assert "<script>" not in page.split("<main", 1)[1].split("</main>")[0]
