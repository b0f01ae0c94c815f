"""OGC API - Features at /ogc: the documents, paging, filters and errors clients rely on."""

import json
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gis.ogc_features import CONFORMANCE
from gis.ogc_features import CRS84
from tests.conftest import AppFactory
from tests.reporting.export_world import HIDDEN_NOTE
from tests.reporting.export_world import LINE_ID
from tests.reporting.export_world import World
from tests.reporting.export_world import bearer
from tests.reporting.export_world import check_feature
from tests.reporting.export_world import check_geojson
from tests.reporting.export_world import seed

ITEMS = "/ogc/collections/reports/items"


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    return seed(fresh_areas_db_url)


@pytest.fixture
def client(fresh_areas_db_url: str, make_app: AppFactory, world: World) -> FlaskClient:
    app: Flask = make_app(fresh_areas_db_url)
    return app.test_client()


def get(client: FlaskClient, world: World, url: str) -> dict:
    response = client.get(url, headers=bearer(world))
    assert response.status_code == 200, response.text
    assert LINE_ID.encode() not in response.data
    assert HIDDEN_NOTE.encode() not in response.data
    return json.loads(response.data)


def rels(document: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in document["links"]}


def test_landing_page_conformance_and_api(client: FlaskClient) -> None:
    landing = client.get("/ogc")
    assert landing.status_code == 200 and landing.mimetype == "application/json"
    links = rels(landing.json)
    assert links["self"] == "http://localhost/ogc"
    assert links["service-desc"] == "http://localhost/ogc/api"
    assert links["conformance"] == "http://localhost/ogc/conformance"
    assert links["data"] == "http://localhost/ogc/collections"
    assert client.get("/ogc/").json == landing.json
    conformance = client.get("/ogc/conformance").json["conformsTo"]
    assert set(CONFORMANCE) <= set(conformance)
    assert any(c.endswith("/conf/core") for c in conformance)
    api = client.get("/ogc/api")
    assert api.headers["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    document = json.loads(api.data)
    assert document["openapi"].startswith("3.0")
    items = document["paths"]["/collections/reports/items"]["get"]
    names = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in items["parameters"]}
    assert {"limit", "offset", "bbox", "datetime", "status", "category", "ward"} <= names
    assert "/collections/wards/items/{featureId}" in document["paths"]


def test_collections_have_extents_and_links(client: FlaskClient, world: World) -> None:
    document = get(client, world, "/ogc/collections")
    found = {c["id"]: c for c in document["collections"]}
    assert set(found) == {"reports", "wards"}
    reports = found["reports"]
    assert reports["itemType"] == "feature" and reports["crs"][0] == CRS84
    assert reports["storageCrs"] == CRS84
    assert "http://www.opengis.net/def/crs/EPSG/0/6673" in reports["crs"]
    west, south, east, north = reports["extent"]["spatial"]["bbox"][0]
    assert 133.8 < west < east < 134.1 and 34.5 < south < north < 34.8
    start, end = reports["extent"]["temporal"]["interval"][0]
    assert start == "2026-11-01T09:00:00+09:00"
    assert rels(reports)["items"] == "http://localhost/ogc/collections/reports/items"
    assert "temporal" not in found["wards"]["extent"]
    assert get(client, world, "/ogc/collections/wards")["id"] == "wards"
    assert client.get("/ogc/collections/nope", headers=bearer(world)).status_code == 404


def test_pages_follow_next_links_to_every_visible_report(client: FlaskClient, world: World) -> None:
    url, seen, pages = f"{ITEMS}?limit=7", [], 0
    while url:
        response = client.get(url, headers=bearer(world))
        assert response.headers["Content-Type"] == "application/geo+json"
        page = check_geojson(response.data)
        assert page["numberMatched"] == len(world.visible)
        assert page["numberReturned"] == len(page["features"]) <= 7
        assert page["timeStamp"].endswith("Z")
        links = rels(page)
        assert "collection" in links and "self" in links
        assert ("prev" in links) == (pages > 0)
        seen += [f["id"] for f in page["features"]]
        pages += 1
        url = links.get("next", "").removeprefix("http://localhost")
    assert pages == -(-len(world.visible) // 7)
    assert seen == sorted(world.visible)


def test_limit_default_clamp_and_offset(client: FlaskClient, world: World) -> None:
    assert len(get(client, world, ITEMS)["features"]) == len(world.visible)  # default 100
    page = get(client, world, f"{ITEMS}?limit=50000&offset=20")
    assert page["numberReturned"] == len(world.visible) - 20
    query = parse_qs(urlsplit(rels(page)["self"]).query)
    assert query["limit"] == ["10000"] and query["offset"] == ["20"]
    assert parse_qs(urlsplit(rels(page)["prev"]).query)["offset"] == ["0"]
    assert "next" not in rels(page)


def test_filters_carry_into_the_next_link(client: FlaskClient, world: World) -> None:
    query = "bbox=133.86,34.75,133.90,34.80&status=new&datetime=2026-11-06/..&limit=5"
    first = get(client, world, f"{ITEMS}?{query}")
    crowd = {i for name, i in world.ids.items() if name.startswith("crowd")}
    assert first["numberMatched"] == len(crowd)
    following = parse_qs(urlsplit(rels(first)["next"]).query)
    assert following["bbox"] == ["133.86,34.75,133.90,34.80"] and following["status"] == ["new"]
    second = get(client, world, rels(first)["next"].removeprefix("http://localhost"))
    ids = {f["id"] for f in first["features"] + second["features"]}
    assert ids <= crowd and len(ids) == 10


def test_one_feature_or_404(client: FlaskClient, world: World) -> None:
    bench = world.ids["bench_naka"]
    feature = get(client, world, f"{ITEMS}/{bench}")
    check_feature(feature)
    assert feature["id"] == bench and feature["properties"]["photo_count"] == 2
    assert rels(feature)["self"].endswith(f"{ITEMS}/{bench}")
    for missing in (world.hidden, 999999, "abc"):
        response = client.get(f"{ITEMS}/{missing}", headers=bearer(world))
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"
    assert client.get("/ogc/collections/nope/items/1", headers=bearer(world)).status_code == 404


def test_wards(client: FlaskClient, world: World) -> None:
    page = get(client, world, "/ogc/collections/wards/items?bbox=133.95,34.65,133.98,34.67")
    codes = {f["id"] for f in page["features"]}
    assert "33102" in codes and "33204" not in codes
    naka = get(client, world, "/ogc/collections/wards/items/33102")
    assert naka["geometry"]["type"] == "MultiPolygon"
    assert naka["properties"] == {
        "code": "33102",
        "name_ja": "岡山市中区",
        "name_en": "Naka-ku, Okayama City",
        "kind": "designated_city_ward",
        "in_service_area": True,
    }
    assert (
        client.get("/ogc/collections/wards/items/99999", headers=bearer(world)).status_code == 404
    )


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2", "bbox"),
        ("datetime=soon", "datetime"),
        ("status=opened", "status"),
        ("resultType=hits", "resultType"),
        ("f=xml", "f"),
        ("datetime=../..", "datetime"),
        ("crs=EPSG:3857", "crs"),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/6677", "crs"),
        ("bbox-crs=EPSG:2451&bbox=1,2,3,4", "bbox-crs"),
        ("bbox-crs=EPSG:6673&bbox=1,2,3", "bbox"),
        ("bbox-crs=EPSG:4326&bbox=133,34,134,35", "bbox"),
    ],
)
def test_bad_parameters(client: FlaskClient, world: World, query: str, parameter: str) -> None:
    response = client.get(f"{ITEMS}?{query}", headers=bearer(world))
    assert response.status_code == 400
    assert response.json["parameter"] == parameter


def test_wards_take_no_report_filters(client: FlaskClient, world: World) -> None:
    response = client.get("/ogc/collections/wards/items?status=new", headers=bearer(world))
    assert response.status_code == 400 and response.json["parameter"] == "status"


def test_data_needs_a_token_unless_the_city_publishes(client: FlaskClient) -> None:
    for url in ("/ogc/collections", ITEMS, f"{ITEMS}/1", "/ogc/collections/wards/items"):
        assert client.get(url).status_code == 401
    assert client.get("/ogc/conformance").status_code == 200
