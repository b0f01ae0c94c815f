"""Every kind of bad input the adversarial test found a 5xx for now answers 400 (or 404 for
an id no row can have), and the database is unchanged each time."""

import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from reporting.db import db
from tests.reporting.open311.test_open311 import World
from tests.reporting.open311.test_open311 import seed
from tests.reporting.staff_browser import csrf_token

TABLES = ("reports", "report_events", "staff_users", "staff_audit", "api_tokens", "photos")
NUL = "\x00"


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    return seed(fresh_areas_db_url)


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table: int(db.session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608
            for table in TABLES
        }


def report_id(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(text("SELECT min(id) FROM reports")) or 0)


BIG = "9223372036854775808"
ANONYMOUS_GETS = [
    # NUL bytes that used to reach PostgreSQL.
    f"/open311/v2/requests.json?api_key=a{NUL}b",
    f"/open311/v2/requests.json?service_request_id=R{NUL}1",
    f"/open311/v2/requests/R{NUL}1.json",
    f"/open311/v2/requests.json?api_key=k&service_code=road.pothole{NUL}",
    # Bad UTF-8 in the query.
    "/open311/v2/requests.json?service_request_id=%FF%FE",
    # Dates outside any range.
    "/open311/v2/requests.json?end_date=0001-01-01",
    "/open311/v2/requests.json?start_date=9999-12-31",
    "/open311/v2/requests.json?start_date=9999-12-31T23:59:59Z",
    # Integers past bigint, non-ASCII digits.
    f"/ogc/collections/reports/items?offset={BIG}",
    f"/ogc/collections/reports/items?limit={BIG}",
    "/ogc/collections/reports/items?offset=²",
    "/ogc/collections/reports/items?datetime=0001-01-01/..",
    "/ogc/collections/reports/items?datetime=9999-12-31",
]


@pytest.mark.parametrize("path", ANONYMOUS_GETS)
def test_bad_values_from_anyone_are_400(app: Flask, world: World, path: str) -> None:
    path = path.replace("api_key=k", f"api_key={world.key}")
    before = counts(app)
    response = app.test_client().get(path, headers={"Authorization": f"Bearer {world.read_token}"})
    assert response.status_code == 400, (path, response.status_code, response.text[:300])
    assert counts(app) == before


def test_a_feature_id_past_bigint_is_no_feature(app: Flask, world: World) -> None:
    client = app.test_client()
    auth = {"Authorization": f"Bearer {world.read_token}"}
    assert client.get(f"/ogc/collections/reports/items/{BIG}", headers=auth).status_code == 404
    assert client.get("/ogc/collections/reports/items/²", headers=auth).status_code == 404


STAFF_GETS = [
    f"/staff/reports?receipt=R{NUL}",
    f"/staff/?receipt=x{NUL}",
    f"/staff/reports?category=road{NUL}",
    "/staff/reports?to=9999-12-31",
    "/staff/reports?from=0001-01-01",
    "/staff/stats?from=0001-01-01",
    "/staff/stats?to=9999-12-31",
    "/staff/map/count.json?zoom=²",
    f"/staff/map/count.json?zoom={BIG}",
    "/api/reports.geojson?datetime=0001-01-01/9999-12-31",
    "/api/reports.csv?datetime=%00",
]


@pytest.mark.parametrize("path", STAFF_GETS)
def test_bad_values_from_staff_are_400(app: Flask, staff: FlaskClient, path: str) -> None:
    before = counts(app)
    response = staff.get(path)
    assert response.status_code == 400, (path, response.status_code, response.text[:300])
    assert counts(app) == before


def test_soft_parameters_never_fail(app: Flask, staff: FlaskClient) -> None:
    """The list's page, sort and the like fall back to their defaults rather than 5xx."""
    for path in (
        "/staff/reports?page=9223372036854775807",
        "/staff/reports?page=²",
        "/staff/reports?endpoint=x&_method=POST&_external=1&_anchor=x&_scheme=javascript",
        f"/staff/reports/{report_id(app)}?endpoint=x&_method=POST&page=99999999999999999999",
        "/staff/?endpoint=x&_method=POST",
        "/staff/stats?endpoint=x&_method=POST",
    ):
        response = staff.get(path)
        assert response.status_code == 200, (path, response.status_code)


def test_ids_past_bigint_are_not_found(app: Flask, staff: FlaskClient) -> None:
    assert staff.get(f"/staff/reports/{BIG}").status_code == 404
    assert staff.get(f"/staff/reports/{BIG}/popup.json").status_code == 404
    page = staff.get("/staff/admin/users").text
    token = csrf_token(page)
    response = staff.post(f"/staff/admin/users/{BIG}/disable", data={"csrf_token": token})
    assert response.status_code == 404


def test_nul_in_the_login_form_is_400_and_counts_nothing(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").text)
    before = counts(app)
    for data in ({"login": f"tanaka{NUL}", "password": "x"}, {"login": "tanaka", "password": NUL}):
        response = client.post("/staff/login", data={**data, "csrf_token": token})
        assert response.status_code == 400
    assert counts(app) == before


def test_nul_in_staff_form_fields_is_400(app: Flask, staff: FlaskClient) -> None:
    rid = report_id(app)
    token = csrf_token(staff.get(f"/staff/reports/{rid}").text)
    before = counts(app)
    for path, data in (
        (f"/staff/reports/{rid}/status", {"status": "acknowledged", "note": f"a{NUL}b"}),
        (f"/staff/reports/{rid}/duplicate", {"receipt": f"R{NUL}"}),
        ("/staff/admin/users", {"login": "sato", "display_name": NUL, "role": "staff"}),
    ):
        response = staff.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 400, (path, response.status_code)
    assert counts(app) == before


def test_a_bulk_change_of_ids_in_other_digits_changes_nothing(
    app: Flask, staff: FlaskClient
) -> None:
    token = csrf_token(staff.get("/staff/reports").text)
    before = counts(app)
    response = staff.post(
        "/staff/reports/bulk",
        data={"report": ["²", BIG], "change": "priority", "priority": "1", "csrf_token": token},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "先に、変更する通報を選んでください。" in response.text
    assert counts(app) == before


def test_a_note_too_long_is_refused_with_the_forms_error(app: Flask, staff: FlaskClient) -> None:
    rid = report_id(app)
    token = csrf_token(staff.get(f"/staff/reports/{rid}").text)
    before = counts(app)
    response = staff.post(
        f"/staff/reports/{rid}/status",
        data={"status": "acknowledged", "note": "あ" * 4001, "csrf_token": token},
        follow_redirects=True,
    )
    assert "4,000 文字まで" in response.text
    assert counts(app) == before


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_bodies_nested_deep_or_holding_nul_are_400(app: Flask, world: World) -> None:
    client = app.test_client()
    before = counts(app)
    url = f"/open311/v2/requests.json?api_key={world.key}"
    for body in (nested(100_000), nested(40), json.dumps({"description": f"a{NUL}"}), "{"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 400, (body[:20], response.status_code)
    assert counts(app) == before


def test_a_chunked_webhook_body_over_a_megabyte_is_413(app: Flask) -> None:
    """No Content-Length to refuse by: the body is read up to the limit and refused there."""
    app.config["LINE_CHANNEL_SECRET"] = "secret"
    response = app.test_client().post(
        "/line/webhook",
        input_stream=io.BytesIO(b"x" * (1024 * 1024 + 1)),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
