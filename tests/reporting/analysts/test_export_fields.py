"""What an export row holds for analysis: labels, triage fields, the time of each step, CRS."""

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting.settings import libpq_url
from tests.conftest import AppFactory
from tests.reporting.export_world import World
from tests.reporting.export_world import bearer
from tests.reporting.export_world import seed

ROOT = Path(__file__).resolve().parents[3]
GEOJSON = "/api/reports.geojson"
CSV = "/api/reports.csv"
SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00")


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    """The export world, with a report at each step of triage."""
    world = seed(fresh_areas_db_url)
    ids = world.ids
    with psycopg.connect(libpq_url(fresh_areas_db_url)) as conn:
        conn.execute(
            "UPDATE reports SET created_at = created_at + interval '0.123456 s', priority = 2,"
            " department = '道路維持課', urgent = true, address = '岡山市中区桑田町1-1'"
            " WHERE id = %s",
            (ids["bench_naka"],),
        )
        conn.execute(
            "INSERT INTO report_events (report_id, actor_kind, action, from_status, to_status,"
            " data, created_at) VALUES (%s, 'staff', 'status', 'acknowledged', 'in_progress',"
            " '{}', '2026-11-04 10:00:00.5+09')",
            (ids["bench_naka"],),
        )
        conn.execute(
            "UPDATE reports SET status = 'referred', resolved_at = '2026-11-07 12:00:00.75+09'"
            " WHERE id = %s",
            (ids["drain_minami"],),
        )
        conn.execute(
            "INSERT INTO report_events (report_id, actor_kind, action, from_status, to_status,"
            " data, created_at) VALUES (%s, 'staff', 'status', 'rejected', 'referred',"
            ' \'{"manager": "national", "notify": true}\', \'2026-11-07 12:00:00.75+09\')',
            (ids["drain_minami"],),
        )
        conn.execute(
            "UPDATE reports SET status = 'duplicate', duplicate_of_id = %s WHERE id = %s",
            (ids["pothole_kita"], ids["crowd0"]),
        )
        for n in range(2):
            (resident,) = conn.execute(
                "INSERT INTO residents (line_user_id) VALUES (%s) RETURNING id",
                (f"U{n:032d}",),
            ).fetchone()
            conn.execute(
                "INSERT INTO report_supporters (report_id, resident_id) VALUES (%s, %s)",
                (ids["pothole_kita"], resident),
            )
    return world


@pytest.fixture
def client(fresh_areas_db_url: str, make_app: AppFactory, world: World) -> FlaskClient:
    app: Flask = make_app(fresh_areas_db_url)
    return app.test_client()


def csv_table(client: FlaskClient, world: World, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"{CSV}?{query}", headers=bearer(world))
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def properties(client: FlaskClient, world: World, query: str = "") -> dict[int, dict]:
    response = client.get(f"{GEOJSON}?{query}", headers=bearer(world))
    assert response.status_code == 200, response.text
    return {f["id"]: f["properties"] for f in json.loads(response.data)["features"]}


def dictionary() -> list[str]:
    text = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    table = text.split("<!-- data dictionary: start -->")[1].split("<!-- data dictionary: end")[0]
    return re.findall(r"^\| `([a-z_]+)` \|", table, re.M)


def test_the_data_dictionary_is_the_csv_header(client: FlaskClient, world: World) -> None:
    response = client.get(f"{CSV}?crs=EPSG:6673", headers=bearer(world))
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == dictionary()
    plain = client.get(CSV, headers=bearer(world)).data.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(plain))) == [c for c in dictionary() if c not in "xy"]
    feature = next(iter(properties(client, world).values()))
    assert list(feature) == [c for c in dictionary() if c not in ("id", "lon", "lat", "x", "y")]


def test_labels_triage_fields_and_steps(client: FlaskClient, world: World) -> None:
    found = properties(client, world)
    bench = found[world.ids["bench_naka"]]
    assert (bench["category_label"], bench["subcategory_label"]) == ("公園", "ベンチ・柵")
    assert (bench["status_label"], bench["priority"], bench["priority_label"]) == (
        "対応中",
        2,
        "高",
    )
    assert bench["urgent"] is True and bench["department"] == "道路維持課"
    assert bench["address"] == "岡山市中区桑田町1-1" and bench["source"] == "line"
    # Whole seconds, Japan's offset, whatever the database holds.
    assert bench["created_at"] == "2026-11-03T09:00:00+09:00"
    assert bench["in_progress_at"] == "2026-11-04T10:00:00+09:00"
    assert bench["staff_url"] == f"http://localhost/staff/reports/{world.ids['bench_naka']}"
    drain = found[world.ids["drain_minami"]]
    assert (drain["referred_to"], drain["referred_to_label"]) == ("national", "国道の管理者（国）")
    assert drain["closed_at"] == "2026-11-07T12:00:00+09:00" and drain["resolved_at"] is None
    light = found[world.ids["light_higashi"]]
    assert light["resolved_at"] == light["closed_at"] == "2026-11-06T09:00:00+09:00"
    duplicate = found[world.ids["crowd0"]]
    pothole = found[world.ids["pothole_kita"]]
    assert duplicate["duplicate_of"] == pothole["receipt_number"]
    assert pothole["supporters"] == 2 and pothole["referred_to"] is None
    english = properties(client, world, "lang=en")[world.ids["bench_naka"]]
    assert (english["category_label"], english["status_label"]) == ("Park", "in progress")
    assert english["subcategory_label"] == "Bench / fence" and english["priority_label"] == "high"
    for row in csv_table(client, world):
        for name in ("created_at", "updated_at"):
            assert SECONDS.fullmatch(row[name]), row[name]
        assert row["closed_at"] == "" or SECONDS.fullmatch(row["closed_at"])
    assert client.get(f"{CSV}?lang=fr", headers=bearer(world)).status_code == 400


def test_status_open_in_exports(client: FlaskClient, world: World) -> None:
    rows = csv_table(client, world, "status=open")
    assert {r["status"] for r in rows} == {"new", "acknowledged", "in_progress"}


def test_public_rows_have_no_note_nor_staff_link(
    fresh_areas_db_url: str, make_app: AppFactory, world: World
) -> None:
    import dataclasses

    app = make_app(fresh_areas_db_url)
    app.extensions["tsuho.city"] = dataclasses.replace(
        app.extensions["tsuho.city"], public_exports=True
    )
    header = app.test_client().get(CSV).data.decode("utf-8-sig").splitlines()[0].split(",")
    assert "note" not in header and "staff_url" not in header and "supporters" in header


def test_plane_rectangular_coordinates(
    client: FlaskClient, world: World, fresh_areas_db_url: str
) -> None:
    with psycopg.connect(libpq_url(fresh_areas_db_url)) as conn:
        expected = {
            i: (x, y)
            for i, x, y in conn.execute(
                "SELECT id, ST_X(ST_Transform(location, 6673)), ST_Y(ST_Transform(location, 6673))"
                " FROM reports WHERE NOT hidden"
            )
        }
    rows = csv_table(client, world, "crs=EPSG:6673")
    assert {int(r["id"]) for r in rows} == set(expected)
    for row in rows:
        x, y = expected[int(row["id"])]
        assert float(row["x"]) == pytest.approx(x, abs=0.001)
        assert float(row["y"]) == pytest.approx(y, abs=0.001)
    response = client.get(f"{GEOJSON}?crs=EPSG:6673", headers=bearer(world))
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/6673>"
    document = json.loads(response.data)
    assert document["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::6673"
    for feature in document["features"]:
        x, y = expected[feature["id"]]
        assert feature["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.001)
    refused = client.get(f"{CSV}?crs=EPSG:3857", headers=bearer(world))
    assert refused.status_code == 400 and refused.json["parameter"] == "crs"


def test_pandas_reads_times_as_datetimes(client: FlaskClient, world: World) -> None:
    body = client.get(CSV, headers=bearer(world)).data
    table = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", parse_dates=["created_at"])
    assert pd.api.types.is_datetime64_any_dtype(table["created_at"])
    assert str(table["created_at"].dt.tz) == "UTC+09:00"
    geo = json.loads(client.get(GEOJSON, headers=bearer(world)).data)
    frame = pd.json_normalize([f["properties"] for f in geo["features"]])
    assert pd.api.types.is_datetime64_any_dtype(pd.to_datetime(frame["created_at"]))
    # With defaults, no format given: every value has the same shape, so none is left as text.
    inferred = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")
    assert pd.api.types.is_datetime64_any_dtype(pd.to_datetime(inferred["closed_at"]))
