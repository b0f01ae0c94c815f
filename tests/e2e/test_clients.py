"""Clients nobody here wrote, against Tsuho under gunicorn: georeport, OWSLib, GDAL, pandas."""

import io
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import requests
from georeport import GeoReport
from owslib.ogcapi.features import Features
from owslib.util import Authentication
from playwright.sync_api import sync_playwright

from reporting.settings import libpq_url
from tests.conftest import Databases
from tests.processes import gunicorn
from tests.reporting.export_world import HIDDEN_NOTE
from tests.reporting.export_world import LINE_ID
from tests.reporting.export_world import World
from tests.reporting.export_world import seed

pytestmark = pytest.mark.slow

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@dataclass
class Server:
    url: str
    db_url: str
    world: World
    log: Path
    tmp: Path

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(libpq_url(self.db_url)) as conn:
            return conn.execute(sql, args).fetchall()

    def visible(self) -> set[int]:
        return {row[0] for row in self.rows("SELECT id FROM reports WHERE NOT hidden")}

    def gdal(self, *args: str, basic: bool = True) -> str:
        """Run a GDAL program sending the token as the Basic password, as QGIS would."""
        env = {
            **os.environ,
            "GDAL_HTTP_AUTH": "BASIC",
            "GDAL_HTTP_USERPWD": f"token:{self.world.token}",
        }
        if not basic:
            env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {self.world.token}"}
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def server(
    databases: Databases, areas_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if shutil.which("ogrinfo") is None:
        pytest.fail("GDAL is missing: scripts/system-packages.sh gdal-bin (make test does this)")
    name = databases.create(template=areas_template)
    db_url = databases.url(name)
    world = seed(db_url)
    tmp = tmp_path_factory.mktemp("clients")
    env = {
        "DATABASE_URL": db_url,
        "SECRET_KEY": "e2e",
        "PHOTO_DIR": str(tmp / "photos"),
        "GUNICORN_CMD_ARGS": "--access-logfile -",
    }
    log = tmp / "web.log"
    with gunicorn(env, log) as url:
        yield Server(url, db_url, world, log, tmp)
    databases.drop(name)


# --- Open311: the GeoReport v2 client from PyPI ----------------------------------------------


def test_georeport_lists_services_and_requests_without_a_key(server: Server) -> None:
    client = GeoReport(f"{server.url}/open311/v2", jurisdiction="city.okayama.jp")
    services = client.get_service_list()
    assert "road.pothole" in {s["service_code"] for s in services}
    found = client.get_service_requests()
    receipts = {r["service_request_id"] for r in found}
    (expected,) = zip(
        *server.rows("SELECT receipt_number FROM reports WHERE NOT hidden"), strict=True
    )
    assert receipts == set(expected)
    assert all(r["description"] is None for r in found)
    one = client.get_service_request(found[0]["service_request_id"])
    assert one["service_request_id"] == found[0]["service_request_id"]
    closed = client.get_service_requests(status="closed")
    assert {r["status"] for r in closed} <= {"closed"}
    xml = GeoReport(f"{server.url}/open311/v2", output_format="xml").get_service_list()
    assert {s["service_code"] for s in xml} == {s["service_code"] for s in services}


# --- OGC API: OWSLib, GDAL in Japan's plane rectangular zone V ------------------------------


def test_owslib_reads_the_ogc_api_with_the_token_as_basic_password(server: Server) -> None:
    auth = Authentication(username="token", password=server.world.token)
    api = Features(f"{server.url}/ogc", auth=auth)
    assert {"service-desc", "service-doc", "conformance", "data"} <= {
        link["rel"] for link in api.links
    }
    conformance = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance
    assert api.api()["openapi"].startswith("3.0")
    collections = {c["id"]: c for c in api.collections()["collections"]}
    assert set(collections) == {"reports", "wards"}
    assert f"{EPSG}6673" in api.collection("reports")["crs"]
    visible = server.visible()
    seen: list[int] = []
    offset = 0
    while True:
        page = api.collection_items("reports", limit=7, offset=offset)
        seen += [f["id"] for f in page["features"]]
        offset += page["numberReturned"]
        if offset >= page["numberMatched"]:
            break
    assert sorted(seen) == sorted(visible)
    box = api.collection_items("reports", bbox=[133.86, 34.75, 133.89, 34.775], limit=100)
    crowd = {i for name, i in server.world.ids.items() if name.startswith("crowd")}
    assert 0 < box["numberMatched"] and {f["id"] for f in box["features"]} <= crowd
    timed = api.collection_items("reports", datetime_="2026-11-03T00:00:00+09:00/..", limit=100)
    assert timed["numberMatched"] < len(visible)
    zoned = api.collection_items("reports", crs=f"{EPSG}6673", limit=100)
    expected = dict(
        server.rows(
            "SELECT id, ARRAY[ST_Y(p), ST_X(p)] FROM (SELECT id, ST_Transform(location, 6673) p"
            " FROM reports WHERE NOT hidden) t"
        )
    )
    for feature in zoned["features"]:
        assert feature["geometry"]["coordinates"] == pytest.approx(
            expected[feature["id"]], abs=1e-3
        )
    one = api.collection_item("reports", str(server.world.ids["bench_naka"]))
    assert one["properties"]["area_name"] == "岡山市中区"


def zone_v(server: Server) -> dict[str, tuple[float, float]]:
    """PostGIS's own transform of every visible report to zone V: easting, northing."""
    return {
        receipt: (x, y)
        for receipt, x, y in server.rows(
            "SELECT receipt_number, ST_X(ST_Transform(location, 6673)),"
            " ST_Y(ST_Transform(location, 6673)) FROM reports WHERE NOT hidden"
        )
    }


def test_gdal_reads_the_ogc_api_into_zone_v_to_the_millimetre(server: Server) -> None:
    """ogr2ogr pages through OAPIF with the token as the Basic password and writes zone V;
    its coordinates agree with PostGIS's ST_Transform to the millimetre."""
    out = server.tmp / "oapif-zone5.csv"
    server.gdal(
        "ogr2ogr", "-f", "CSV", str(out), f"OAPIF:{server.url}/ogc", "reports",
        "-oo", "PAGE_SIZE=7", "-t_srs", "EPSG:6673", "-lco", "GEOMETRY=AS_XY",
        "-select", "receipt_number",
    )  # fmt: skip
    table = pd.read_csv(out)
    expected = zone_v(server)
    assert sorted(table["receipt_number"]) == sorted(expected)
    for row in table.itertuples():
        x, y = expected[row.receipt_number]
        assert abs(row.X - x) < 0.001 and abs(row.Y - y) < 0.001


def test_gdal_reads_the_exports_written_in_zone_v(server: Server) -> None:
    """The server's own transform (crs=EPSG:6673), read by GDAL: the GeoJSON export's CRS is
    recognised, its points and the CSV's x/y are PostGIS's to the millimetre, and the CSV's
    times are DateTime fields."""
    auth = ("token", server.world.token)
    expected = zone_v(server)
    path = server.tmp / "zone5.geojson"
    path.write_bytes(
        requests.get(
            f"{server.url}/api/reports.geojson?crs=EPSG:6673", auth=auth, timeout=30
        ).content
    )
    summary = server.gdal("ogrinfo", "-ro", "-so", "-al", str(path))
    assert "Japan Plane Rectangular CS V" in summary
    out = server.tmp / "zone5-from-geojson.csv"
    server.gdal("ogr2ogr", "-f", "CSV", str(out), str(path), "-lco", "GEOMETRY=AS_XY")
    for row in pd.read_csv(out).itertuples():
        x, y = expected[row.receipt_number]
        assert abs(row.X - x) < 0.001 and abs(row.Y - y) < 0.001
    csv_path = server.tmp / "zone5-export.csv"
    csv_path.write_bytes(
        requests.get(f"{server.url}/api/reports.csv?crs=EPSG:6673", auth=auth, timeout=30).content
    )
    listing = server.gdal(
        "ogrinfo", "-ro", "-al", "-q", "-oo", "AUTODETECT_TYPE=YES",
        "-oo", "X_POSSIBLE_NAMES=x", "-oo", "Y_POSSIBLE_NAMES=y", str(csv_path),
    )  # fmt: skip
    assert listing.count("OGRFeature(") == len(expected)
    assert re.search(r"created_at \(DateTime\) = 2026/11/01 09:00:00\+09", listing)
    for receipt, x, y in re.findall(
        r"receipt_number \(String\) = (\S+).*?POINT \((\S+) (\S+)\)", listing, re.S
    ):
        assert abs(float(x) - expected[receipt][0]) < 0.001
        assert abs(float(y) - expected[receipt][1]) < 0.001


def test_pandas_reads_the_exports_over_http(server: Server) -> None:
    auth = ("token", server.world.token)
    body = requests.get(f"{server.url}/api/reports.csv", auth=auth, timeout=30).content
    table = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", parse_dates=["created_at"])
    assert pd.api.types.is_datetime64_any_dtype(table["created_at"])
    assert len(table) == len(server.visible())
    assert HIDDEN_NOTE not in body.decode("utf-8-sig") and LINE_ID not in body.decode("utf-8-sig")


# --- QGIS (Debian's python3-qgis, headless) --------------------------------------------------

QGIS_SCRIPT = Path(__file__).parent / "qgis" / "open_layers.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def test_qgis_opens_both_collections_with_the_token_in_a_basic_config(server: Server) -> None:
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.fail("QGIS is missing: scripts/system-packages.sh python3-qgis (make test does it)")
    home = server.tmp / "qgis-home"
    home.mkdir(mode=0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "QGIS_AUTH_DB_DIR_PATH": str(home),
        "XDG_RUNTIME_DIR": str(home),
    }
    done = subprocess.run(
        [SYSTEM_PYTHON, str(QGIS_SCRIPT), server.url, server.world.token],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    reports, wards = found["reports"], found["wards"]
    assert reports["valid"] and wards["valid"], found
    assert reports["count"] == len(server.visible())
    receipts = [r for (r,) in server.rows("SELECT receipt_number FROM reports WHERE NOT hidden")]
    assert reports["receipt_number"] == sorted(receipts)
    assert {"receipt_number", "status_label", "created_at"} <= set(reports["fields"])
    (areas,) = server.rows("SELECT count(*) FROM areas")[0]
    assert wards["count"] == areas
    # Every page went through with the token as the Basic password.
    assert '"status": "401"' not in server.log.read_text()


# --- a page of another origin, in Chromium ----------------------------------------------------


@contextmanager
def portal(folder: Path) -> Iterator[str]:
    """Serve a page from another origin (another port of localhost); yield its URL."""
    (folder / "portal.html").write_text("<!doctype html><title>open data portal</title><p>map")
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://localhost:{httpd.server_address[1]}/portal.html"
        finally:
            httpd.shutdown()


def test_a_page_of_another_origin_reads_the_public_data(server: Server) -> None:
    folder = server.tmp / "portal"
    folder.mkdir()
    with sync_playwright() as p, portal(folder) as page_url:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_url)
            read = page.evaluate(
                """async ([url, token]) => {
                    const geojson = await fetch(url + "/api/reports.geojson",
                        {headers: {Authorization: "Bearer " + token}});
                    const open311 = await fetch(url + "/open311/v2/requests.json");
                    const items = await fetch(url + "/ogc/collections/reports/items?limit=5",
                        {headers: {Authorization: "Bearer " + token}});
                    return {
                        features: (await geojson.json()).features.length,
                        requests: (await open311.json()).length,
                        crs: items.headers.get("Content-Crs"),
                    };
                }""",
                [server.url, server.world.token],
            )
            assert read["features"] == len(server.visible())
            assert read["requests"] == len(server.visible())
            assert read["crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
            # With credentials (cookies, HTTP auth of the browser's own) the browser refuses.
            refused = page.evaluate(
                """async (url) => {
                    try {
                        await fetch(url + "/open311/v2/requests.json", {credentials: "include"});
                        return "read";
                    } catch (e) { return "refused"; }
                }""",
                server.url,
            )
            assert refused == "refused"
        finally:
            browser.close()


def test_a_browser_with_the_token_as_basic_password_browses_the_html_pages(
    server: Server,
) -> None:
    """Chromium sends the token as the Basic password, as a person typing it would; the items
    page draws every report of the page on the Leaflet map, its scripts from static files."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                http_credentials={"username": "token", "password": server.world.token}
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route("https://cyberjapandata.gsi.go.jp/**", lambda route: route.abort())
            response = page.goto(f"{server.url}/ogc/collections/reports/items?limit=10")
            assert response is not None and response.status == 200
            assert response.headers["content-type"].startswith("text/html")
            page.wait_for_selector("#ogc-map .leaflet-interactive")
            assert page.locator("#ogc-map .leaflet-interactive").count() == 10
            assert page.locator("table tbody tr").count() == 10
            page.click("text=Next page")
            assert "offset=10" in page.url
            assert errors == []
        finally:
            browser.close()
