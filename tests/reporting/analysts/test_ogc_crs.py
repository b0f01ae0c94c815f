"""OGC API - Features to the letter: the official schemas, Part 2's CRS abstract tests, HTML,
caching, CORS and the token as a Basic password."""

import base64
import gzip
import html
import json
import re

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from gis.ogc_features import CONFORMANCE
from gis.ogc_features import CRS84
from reporting.settings import libpq_url
from tests.conftest import AppFactory
from tests.reporting.analysts.ogc_schemas import validate
from tests.reporting.export_world import KITA
from tests.reporting.export_world import World
from tests.reporting.export_world import bearer
from tests.reporting.export_world import seed

ITEMS = "/ogc/collections/reports/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
ZONE_V = f"{EPSG}6673"
MAP = re.compile(r'<div id="ogc-map" class="ogc-map" data-geojson="([^"]*)"')


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    return seed(fresh_areas_db_url)


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, world: World) -> Flask:
    return make_app(fresh_areas_db_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def get(client: FlaskClient, world: World, url: str, **headers: str) -> dict:
    response = client.get(url, headers={**bearer(world), **headers})
    assert response.status_code == 200, response.text
    return json.loads(response.data)


def postgis(db_url: str, sql: str, *args: object) -> list[tuple]:
    with psycopg.connect(libpq_url(db_url)) as conn:
        return conn.execute(sql, args).fetchall()


# --- Part 1, against the official schemas --------------------------------------------------


def test_every_document_passes_the_official_schemas(client: FlaskClient, world: World) -> None:
    landing = get(client, world, "/ogc")
    validate(landing, "landingPage")
    validate(get(client, world, "/ogc/conformance"), "confClasses")
    collections = get(client, world, "/ogc/collections")
    validate(collections, "collections")
    validate(collections, "collections", part=2)
    for info in collections["collections"]:
        validate(get(client, world, f"/ogc/collections/{info['id']}"), "collection", part=2)
        page = get(client, world, f"/ogc/collections/{info['id']}/items?limit=3")
        validate(page, "featureCollectionGeoJSON")
        feature = get(client, world, f"/ogc/collections/{info['id']}/items?limit=1")["features"][0]
        one = get(client, world, f"/ogc/collections/{info['id']}/items/{feature['id']}")
        validate(one, "featureGeoJSON")
    zone = get(client, world, f"{ITEMS}?crs={ZONE_V}&limit=3")
    validate(zone, "featureCollectionGeoJSON")


def test_the_service_doc_is_an_html_page(client: FlaskClient) -> None:
    links = {link["rel"]: link for link in client.get("/ogc").json["links"]}
    doc = links["service-doc"]
    assert doc["type"] == "text/html"
    page = client.get(doc["href"].removeprefix("http://localhost"))
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b"/collections/reports/items" in page.data and b"bbox-crs" in page.data
    assert set(CONFORMANCE) == set(client.get("/ogc/conformance").json["conformsTo"])


def test_the_definition_declares_what_the_server_does(client: FlaskClient) -> None:
    document = client.get("/ogc/api").json
    parameters = document["components"]["parameters"]
    assert parameters["limit"]["schema"]["maximum"] == 10_000
    bbox = parameters["bbox"]["schema"]
    assert bbox["oneOf"] == [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]
    for collection in ("reports", "wards"):
        items = document["paths"][f"/collections/{collection}/items"]["get"]
        names = {p["$ref"].rsplit("/", 1)[1] for p in items["parameters"] if "$ref" in p}
        assert {"datetime", "crs", "bbox-crs", "bbox", "limit"} <= names
        ok = items["responses"]["200"]
        assert "Content-Crs" in ok["headers"]
        one = document["paths"][f"/collections/{collection}/items/{{featureId}}"]["get"]
        assert {"crs", "featureId"} <= {p["$ref"].rsplit("/", 1)[1] for p in one["parameters"]}
    assert {"bearer", "basic"} == set(document["components"]["securitySchemes"])


def test_a_point_sized_bbox_finds_the_report_at_that_point(
    client: FlaskClient, world: World
) -> None:
    lon, lat = KITA
    page = get(client, world, f"{ITEMS}?bbox={lon},{lat},{lon},{lat}")
    assert [f["id"] for f in page["features"]] == [world.ids["pothole_kita"]]
    six = get(client, world, f"{ITEMS}?bbox={lon},{lat},0,{lon},{lat},10")
    assert [f["id"] for f in six["features"]] == [world.ids["pothole_kita"]]


def test_rfc3339_lower_case_and_one_open_end(client: FlaskClient, world: World) -> None:
    upper = get(client, world, f"{ITEMS}?datetime=2026-11-03T00:00:00Z/..")
    lower = get(client, world, f"{ITEMS}?datetime=2026-11-03t00:00:00z/..")
    assert upper["numberMatched"] == lower["numberMatched"] > 0
    refused = client.get(f"{ITEMS}?datetime=../..", headers=bearer(world))
    assert refused.status_code == 400 and refused.json["parameter"] == "datetime"
    wards = get(client, world, "/ogc/collections/wards/items?datetime=2026-11-03/..&limit=2")
    assert wards["numberReturned"] == 2  # accepted, and ignored: wards have no time


# --- Part 2: CRS by reference (abstract tests /conf/crs/*) ----------------------------------


def test_collections_list_the_citys_crs(client: FlaskClient, world: World) -> None:
    for info in get(client, world, "/ogc/collections")["collections"]:
        assert info["crs"] == [CRS84, f"{EPSG}4326", f"{EPSG}6668", ZONE_V]
        assert info["storageCrs"] in info["crs"]  # /conf/crs/storageCrs


def test_every_crs_answers_with_content_crs(client: FlaskClient, world: World) -> None:
    """/conf/crs/crs-parameter, for items and one item of both collections."""
    bench = world.ids["bench_naka"]
    for crs in [CRS84, f"{EPSG}4326", f"{EPSG}6668", ZONE_V]:
        for url in (
            ITEMS,
            f"{ITEMS}/{bench}",
            "/ogc/collections/wards/items",
            "/ogc/collections/wards/items/33102",
        ):
            response = client.get(f"{url}?crs={crs}", headers=bearer(world))
            assert response.status_code == 200, response.text
            assert response.headers["Content-Crs"] == f"<{crs}>"
    # The default is CRS84 and says so (/conf/crs/crs-parameter-default).
    assert client.get(ITEMS, headers=bearer(world)).headers["Content-Crs"] == f"<{CRS84}>"


def test_an_unoffered_crs_is_a_400(client: FlaskClient, world: World) -> None:
    """/conf/crs/crs-parameter-invalid and bbox-crs-parameter-invalid."""
    bench = world.ids["bench_naka"]
    for url in (f"{ITEMS}?crs=", f"{ITEMS}/{bench}?crs={EPSG}3857", f"{ITEMS}?crs={EPSG}6677"):
        assert client.get(url, headers=bearer(world)).status_code == 400
    response = client.get(f"{ITEMS}?bbox=1,2,3,4&bbox-crs={EPSG}3857", headers=bearer(world))
    assert response.status_code == 400 and response.json["parameter"] == "bbox-crs"


def test_coordinates_follow_each_crs_and_agree_with_postgis(
    client: FlaskClient, world: World, fresh_areas_db_url: str
) -> None:
    """/conf/crs/crs-parameter-transform: EPSG:4326 and 6668 are lat/lon; zone V is X
    (northing), Y (easting), to the millimetre of PostGIS's own transform."""
    bench = world.ids["bench_naka"]
    ((x_east, y_north),) = postgis(
        fresh_areas_db_url,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(location, 6673) p FROM reports"
        " WHERE id = %s) t",
        bench,
    )
    plain = get(client, world, f"{ITEMS}/{bench}")["geometry"]["coordinates"]
    lat_lon = get(client, world, f"{ITEMS}/{bench}?crs={EPSG}4326")["geometry"]["coordinates"]
    assert lat_lon == plain[::-1]
    jgd = get(client, world, f"{ITEMS}/{bench}?crs=EPSG:6668")["geometry"]["coordinates"]
    assert jgd == pytest.approx(plain[::-1], abs=1e-7)
    zone = get(client, world, f"{ITEMS}/{bench}?crs={ZONE_V}")["geometry"]["coordinates"]
    assert zone == pytest.approx([y_north, x_east], abs=0.001)
    # Okayama lies south-west of zone V's origin (36°N, 134°20'E): X and Y negative, and
    # X (northing) is the larger distance: a swapped pair fails.
    assert zone[0] < zone[1] < 0
    page = get(client, world, f"{ITEMS}?crs={ZONE_V}&limit=100")
    assert all(f["geometry"]["coordinates"][0] < 0 for f in page["features"])


def test_bbox_crs_selects_in_that_crs(
    client: FlaskClient, world: World, fresh_areas_db_url: str
) -> None:
    """/conf/crs/bbox-crs-parameter: every feature answered lies in the box of that CRS."""
    bench = world.ids["bench_naka"]
    ((x_east, y_north),) = postgis(
        fresh_areas_db_url,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(location, 6673) p FROM reports"
        " WHERE id = %s) t",
        bench,
    )
    box = f"{y_north - 50},{x_east - 50},{y_north + 50},{x_east + 50}"  # X (north) first
    page = get(client, world, f"{ITEMS}?bbox={box}&bbox-crs={ZONE_V}&crs={ZONE_V}")
    assert [f["id"] for f in page["features"]] == [bench]
    nearby = f"{y_north - 20000},{x_east - 20000},{y_north + 20000},{x_east + 20000}"
    wide = get(client, world, f"{ITEMS}?bbox={nearby}&bbox-crs={ZONE_V}&crs={ZONE_V}&limit=100")
    assert wide["numberMatched"] > 1
    for feature in wide["features"]:
        north, east = feature["geometry"]["coordinates"]
        assert y_north - 20000 <= north <= y_north + 20000
        assert x_east - 20000 <= east <= x_east + 20000
    lon, lat = KITA
    lat_lon = get(client, world, f"{ITEMS}?bbox={lat},{lon},{lat},{lon}&bbox-crs={EPSG}4326")
    assert [f["id"] for f in lat_lon["features"]] == [world.ids["pothole_kita"]]
    wards = get(client, world, f"/ogc/collections/wards/items?bbox={box}&bbox-crs={ZONE_V}")
    assert [f["id"] for f in wards["features"]] == ["33100", "33102"]  # the city, Naka ward
    refused = client.get(
        f"{ITEMS}?bbox={lon},{lat},{lon},{lat}&bbox-crs={EPSG}4326", headers=bearer(world)
    )
    assert refused.status_code == 400 and refused.json["parameter"] == "bbox"


# --- HTML, caching, compression, CORS, Basic -----------------------------------------------


def test_html_pages_to_browse(client: FlaskClient, world: World) -> None:
    bench = world.ids["bench_naka"]
    pages = ("/ogc", "/ogc/collections", "/ogc/collections/reports", ITEMS, f"{ITEMS}/{bench}")
    for url in (*pages, "/ogc/conformance", "/ogc/api"):
        page = client.get(f"{url}?f=html", headers=bearer(world))
        assert page.status_code == 200 and page.mimetype == "text/html", url
        # The CSP allows no inline script: scripts come from static files only.
        assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == [], url
    browser = client.get(ITEMS, headers={**bearer(world), "Accept": "text/html,*/*;q=0.8"})
    assert browser.mimetype == "text/html"
    drawn = json.loads(html.unescape(MAP.search(browser.text).group(1)))
    assert {f["id"] for f in drawn["features"]} == world.visible
    assert 'src="/static/js/ogc_map.js"' in browser.text
    one = client.get(f"{ITEMS}/{bench}?f=html", headers=bearer(world)).text
    assert json.loads(html.unescape(MAP.search(one).group(1)))["id"] == bench
    # In a plane rectangular zone the coordinates are not lon/lat: no map, the table only.
    zoned = client.get(f"{ITEMS}?f=html&crs={ZONE_V}", headers=bearer(world)).text
    assert MAP.search(zoned) is None and "ベンチ" in zoned
    geojson = client.get(ITEMS, headers={**bearer(world), "Accept": "application/geo+json"})
    assert geojson.mimetype == "application/geo+json"


def test_metadata_is_revalidated_with_an_etag(client: FlaskClient, world: World) -> None:
    for url in ("/ogc", "/ogc/api", "/ogc/collections", "/ogc/collections/wards"):
        first = client.get(url, headers=bearer(world))
        etag = first.headers["ETag"]
        assert "max-age" in first.headers["Cache-Control"]
        again = client.get(url, headers={**bearer(world), "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""


def test_gzip_when_asked(client: FlaskClient, world: World) -> None:
    response = client.get(
        f"{ITEMS}?limit=100", headers={**bearer(world), "Accept-Encoding": "gzip"}
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.data))["numberReturned"] > 0
    assert "Content-Encoding" not in client.get(ITEMS, headers=bearer(world)).headers


def test_cross_origin_reads_without_credentials(client: FlaskClient, world: World) -> None:
    origin = {"Origin": "https://map.example"}
    for url in ("/ogc", ITEMS, "/api/reports.geojson"):
        response = client.get(url, headers={**bearer(world), **origin})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        ITEMS,
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert (
        "Content-Crs"
        in client.get(ITEMS, headers={**bearer(world), **origin}).headers[
            "Access-Control-Expose-Headers"
        ]
    )


def basic(user: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def test_the_token_as_a_basic_password(client: FlaskClient, world: World) -> None:
    for user in ("token", "qgis", ""):
        response = client.get(ITEMS, headers=basic(user, world.token))
        assert response.status_code == 200, user
    assert client.get("/api/reports.csv", headers=basic("x", world.token)).status_code == 200
    for wrong in (
        basic("token", "tsuho_wrong"),
        basic("token", ""),
        {"Authorization": "Basic %%%"},
    ):
        refused = client.get(ITEMS, headers=wrong)
        assert refused.status_code == 401
        challenges = refused.headers.getlist("WWW-Authenticate")
        assert challenges == ['Bearer realm="tsuho"', 'Basic realm="tsuho", charset="UTF-8"']
