"""GET /api/reports.geojson and /api/reports.csv: what an analyst downloads, byte for byte."""

import csv
import dataclasses
import io
import json

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting.analysts import exports
from reporting.db import db
from reporting.report_filters import ReportFilter
from reporting.report_queries import Visibility
from reporting.report_queries import report_rows
from reporting.settings import libpq_url
from tests.conftest import AppFactory
from tests.processes import wait_until
from tests.reporting.export_world import HIDDEN_NOTE
from tests.reporting.export_world import HOSTILE_NOTE
from tests.reporting.export_world import KITA
from tests.reporting.export_world import LINE_ID
from tests.reporting.export_world import World
from tests.reporting.export_world import bearer
from tests.reporting.export_world import check_geojson
from tests.reporting.export_world import seed

GEOJSON = "/api/reports.geojson"
CSV = "/api/reports.csv"


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    return seed(fresh_areas_db_url)


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, world: World) -> Flask:
    return make_app(fresh_areas_db_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def features(client: FlaskClient, world: World, query: str = "") -> dict[int, dict]:
    response = client.get(f"{GEOJSON}?{query}", headers=bearer(world))
    assert response.status_code == 200, response.text
    document = check_geojson(response.data)
    return {f["id"]: f for f in document["features"]}


def csv_rows(client: FlaskClient, world: World | None, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"{CSV}?{query}", headers=bearer(world) if world else {})
    assert response.status_code == 200, response.text
    assert response.data.startswith("\ufeff".encode())
    assert LINE_ID.encode() not in response.data
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_geojson_holds_every_visible_report_with_its_properties(
    client: FlaskClient, world: World
) -> None:
    response = client.get(GEOJSON, headers=bearer(world))
    assert response.headers["Content-Type"] == "application/geo+json"
    document = check_geojson(response.data)
    found = {f["id"]: f for f in document["features"]}
    assert set(found) == world.visible
    bench = found[world.ids["bench_naka"]]["properties"]
    assert bench["category"] == "park" and bench["subcategory"] == "bench"
    assert bench["status"] == "in_progress"
    assert (bench["area_code"], bench["area_name"]) == ("33102", "岡山市中区")
    assert bench["photo_count"] == 2
    assert bench["created_at"] == "2026-11-03T09:00:00+09:00"
    assert bench["resolved_at"] is None
    assert bench["receipt_number"].startswith("2611-")
    assert bench["note"] == "ベンチが壊れた"
    light = found[world.ids["light_higashi"]]["properties"]
    assert light["resolved_at"] == "2026-11-06T09:00:00+09:00"
    assert found[world.ids["pothole_kita"]]["geometry"]["coordinates"] == list(KITA)


def test_the_hidden_report_and_resident_ids_are_in_no_export(
    client: FlaskClient, world: World
) -> None:
    bodies = [client.get(path, headers=bearer(world)).data for path in (GEOJSON, CSV)]
    for body in bodies:
        assert HIDDEN_NOTE.encode() not in body
        assert LINE_ID.encode() not in body
        assert b"resident" not in body
    assert world.hidden not in features(client, world)


def test_a_hostile_note_round_trips_through_geojson(client: FlaskClient, world: World) -> None:
    note = features(client, world)[world.ids["hostile"]]["properties"]["note"]
    assert note == HOSTILE_NOTE.replace("\r\n", "\n")  # line ends made LF


def test_csv_quotes_per_rfc_4180_and_defuses_formulas(client: FlaskClient, world: World) -> None:
    response = client.get(CSV, headers=bearer(world))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert (
        response.data.split(b"\r\n")[0]
        == (
            "\ufeffid,receipt_number,category,category_label,subcategory,subcategory_label,"
            "status,status_label,priority,priority_label,urgent,department,source,referred_to,"
            "referred_to_label,duplicate_of,supporters,address,area_code,area_name,created_at,"
            "updated_at,acknowledged_at,in_progress_at,resolved_at,closed_at,photo_count,"
            "staff_url,lon,lat,note"
        ).encode()
    )
    rows = {int(r["id"]): r for r in csv_rows(client, world)}
    assert set(rows) == world.visible
    # The note comes back whole, only defused: a leading quote keeps it text in Excel.
    assert rows[world.ids["hostile"]]["note"] == "'" + HOSTILE_NOTE.replace("\r\n", "\n")
    assert rows[world.ids["drain_minami"]]["note"] == "'+81 を押して"
    assert rows[world.ids["bench_naka"]]["note"] == "ベンチが壊れた"
    kita = rows[world.ids["pothole_kita"]]
    assert (float(kita["lon"]), float(kita["lat"])) == KITA
    assert kita["area_name"] == "岡山市北区" and kita["resolved_at"] == ""
    assert kita["created_at"] == "2026-11-01T09:00:00+09:00"
    assert rows[world.ids["bench_naka"]]["photo_count"] == "2"


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("普通のメモ", "普通のメモ"),
        (None, ""),
        (133.91950001, "133.9195"),
        (34.0, "34"),
        (7, "7"),
    ],
)
def test_csv_cells(value: object, cell: str) -> None:
    assert exports.csv_cell(value) == cell


@pytest.mark.parametrize(
    "query, names",
    [
        ("bbox=133.91,34.65,133.93,34.66", {"pothole_kita", "hostile"}),
        ("bbox=133.95,34.65,133.98,34.67&category=park", {"bench_naka"}),
        ("status=resolved,rejected", {"light_higashi", "drain_minami"}),
        ("status=resolved&status=rejected", {"light_higashi", "drain_minami"}),
        ("category=park", {"bench_naka"}),
        ("ward=33103", {"light_higashi"}),
        ("ward=33102,33104", {"bench_naka", "drain_minami"}),
        ("datetime=2026-11-02", {"hostile"}),
        ("datetime=2026-11-03/2026-11-05", {"bench_naka", "light_higashi", "drain_minami"}),
        ("datetime=../2026-11-01T23:59:59%2B09:00", {"pothole_kita"}),
        ("datetime=2026-11-02T09:00:00%2B09:00", {"hostile"}),
        ("datetime=2026-11-02T00:00:00Z", {"hostile"}),
        ("datetime=2026-11-04T09:00:00/..&status=resolved", {"light_higashi"}),
    ],
)
def test_filters(client: FlaskClient, world: World, query: str, names: set[str]) -> None:
    expected = {world.ids[n] for n in names}
    assert set(features(client, world, query)) == expected
    assert {int(r["id"]) for r in csv_rows(client, world, query)} == expected


def test_the_city_code_takes_all_its_wards(client: FlaskClient, world: World) -> None:
    assert set(features(client, world, "ward=33100")) == world.visible


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=34.6,133.9,34.7,134.0", "bbox"),
        ("bbox=133.9,34.7,134.0,34.6", "bbox"),
        ("bbox=1,2,3,4&bbox=1,2,3,4", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2026-11-05/2026-11-01", "datetime"),
        ("datetime=", "datetime"),
        ("status=opened", "status"),
        ("status=", "status"),
        ("category=graffiti", "category"),
        ("ward=33202", "ward"),
        ("catgory=road", "catgory"),
        ("limit=10", "limit"),
    ],
)
def test_bad_parameters_are_named(
    client: FlaskClient, world: World, query: str, parameter: str
) -> None:
    for path in (GEOJSON, CSV):
        response = client.get(f"{path}?{query}", headers=bearer(world))
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = response.json
        assert problem["parameter"] == parameter
        assert problem["status"] == 400
        assert {"type", "title", "detail"} <= set(problem)


def test_without_a_token_nothing_is_served(client: FlaskClient, world: World) -> None:
    for headers in ({}, {"Authorization": "Bearer tsuho_wrong"}, {"Authorization": "Basic eDp5"}):
        response = client.get(GEOJSON, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.headers["Content-Type"] == "application/problem+json"


def test_public_mode_serves_anonymised_data_without_a_token(app: Flask, world: World) -> None:
    city = app.extensions["tsuho.city"]
    app.extensions["tsuho.city"] = dataclasses.replace(city, public_exports=True)
    client = app.test_client()
    response = client.get(GEOJSON)
    assert response.status_code == 200
    found = {f["id"]: f for f in check_geojson(response.data)["features"]}
    assert set(found) == world.visible
    assert all("note" not in f["properties"] for f in found.values())
    assert "穴が深い".encode() not in response.data
    rows = csv_rows(client, None)
    assert "note" not in rows[0]
    assert {int(r["id"]) for r in rows} == world.visible
    # A token still sees the notes; a wrong one is refused rather than served the public view.
    assert "note" in csv_rows(client, world)[0]
    assert client.get(CSV, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_an_export_uses_its_own_connection_and_gives_it_back(app: Flask, world: World) -> None:
    with app.app_context():
        engine = db.engine
        rows = report_rows(ReportFilter(), Visibility(notes=True))
        body = exports.geojson_stream(engine, rows, name="reports")
        assert engine.pool.checkedout() == 1  # the query runs before the first byte is asked for
        document = json.loads(b"".join(body))
        assert len(document["features"]) == len(world.visible)
        assert engine.pool.checkedout() == 0
        assert _busy_backends(app) == 0


def test_a_client_leaving_mid_stream_closes_the_connection(app: Flask, world: World) -> None:
    with app.app_context():
        engine = db.engine
        rows = report_rows(ReportFilter(), Visibility(notes=True))
        bodies = (exports.geojson_stream(engine, rows, "reports"), exports.csv_stream(engine, rows))
        for body in bodies:
            next(body)
            body.close()  # what the WSGI server does when the client goes away
        assert engine.pool.checkedout() == 0
    wait_until(lambda: _busy_backends(app) == 0, 10)


def _busy_backends(app: Flask) -> int:
    """Count the database's other sessions still running a statement or a transaction."""
    with psycopg.connect(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"])) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state <> 'idle'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_an_unreachable_database_is_a_503_problem(make_app: AppFactory, world: World) -> None:
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    response = app.test_client().get(GEOJSON, headers=bearer(world))
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
