"""The list's and the map's export buttons download what the filters show."""

import csv
import html
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AppFactory
from tests.reporting.export_world import World
from tests.reporting.export_world import seed
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    return seed(fresh_areas_db_url)


@pytest.fixture
def staff(fresh_areas_db_url: str, make_app: AppFactory, world: World) -> FlaskClient:
    app: Flask = make_app(fresh_areas_db_url)
    add_user(app, "viewer1", "viewer")
    client = app.test_client()
    assert log_in(client, "viewer1").status_code == 302
    return client


def links(page: str) -> dict[str, str]:
    found = re.findall(r'<a class="button-quiet" href="([^"]+)" download>(CSV|GeoJSON)</a>', page)
    return {kind: html.unescape(href) for href, kind in found}


def test_the_list_exports_what_it_shows(staff: FlaskClient, world: World) -> None:
    page = staff.get("/staff/reports?status=open&ward=33101&from=2026-11-02&to=2026-11-30")
    found = links(page.text)
    assert found["CSV"].startswith("/api/reports.csv?")
    assert "datetime=2026-11-02/2026-11-30" in found["CSV"]
    rows = list(csv.DictReader(io.StringIO(staff.get(found["CSV"]).data.decode("utf-8-sig"))))
    listed = re.findall(r"\b2611-\d{5}\b", page.text)
    assert rows and {r["receipt_number"] for r in rows} == set(listed)
    assert all(
        r["area_code"] == "33101" and r["status"] in ("new", "acknowledged", "in_progress")
        for r in rows
    )
    geojson = staff.get(found["GeoJSON"])
    assert geojson.status_code == 200 and len(geojson.json["features"]) == len(rows)


def test_the_map_exports_what_it_shows(staff: FlaskClient, world: World) -> None:
    page = staff.get("/staff/?status=resolved&category=road&from=2026-11-01")
    assert page.status_code == 200
    found = links(page.text)
    assert "status=resolved" in found["CSV"] and "category=road" in found["CSV"]
    assert "datetime=2026-11-01/.." in found["GeoJSON"]
    rows = list(csv.DictReader(io.StringIO(staff.get(found["CSV"]).data.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [str(world.ids["light_higashi"])]
    plain = links(staff.get("/staff/").text)
    assert plain == {"CSV": "/api/reports.csv", "GeoJSON": "/api/reports.geojson"}
