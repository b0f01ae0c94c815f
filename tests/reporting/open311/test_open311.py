"""Open311 GeoReport v2 at /open311/v2: what other apps read, and the reports they file."""

import dataclasses
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import pool
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting import access
from reporting.db import db
from reporting.models import REPORT_STATUSES
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import Resident
from reporting.open311 import format as open311_format
from reporting.open311.services import open311_status
from reporting.open311.services import status_notes
from reporting.reports import create_report
from tests.conftest import AppFactory
from tests.gis.borders import border_probes
from tests.reporting.export_world import HIDDEN_NOTE
from tests.reporting.export_world import HIGASHI
from tests.reporting.export_world import KITA
from tests.reporting.export_world import LINE_ID
from tests.reporting.export_world import MINAMI
from tests.reporting.export_world import NAKA
from tests.reporting.images import SENTINELS
from tests.reporting.images import encode
from tests.reporting.images import quadrants
from tests.reporting.open311.schemas import ERRORS
from tests.reporting.open311.schemas import POST_RESPONSE
from tests.reporting.open311.schemas import SERVICE_REQUESTS
from tests.reporting.open311.schemas import SERVICES
from tests.reporting.open311.schemas import validate
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in

BASE = "/open311/v2"
NOTE = "穴が深い NOTE-ONLY-STAFF-SEE"
KURASHIKI = (133.7720, 34.5850)
SEA = (134.10, 34.45)
SCRIPT = "<script>alert(1)</script>"
MEDIA_URL = "https://photos.example/p/123.jpg"


@dataclass
class World:
    receipts: dict[str, str] = field(default_factory=dict)
    read_token: str = ""
    key: str = ""
    revoked_key: str = ""

    def ids(self, *names: str) -> list[str]:
        return [self.receipts[name] for name in names]


def seed(url: str) -> World:
    """Reports of the last days in several states, a hidden one, an old one, and the keys."""
    world = World()
    now = datetime.now(UTC)
    engine = create_engine(url, poolclass=pool.NullPool)
    with Session(engine) as session:
        resident = Resident(line_user_id=LINE_ID)
        session.add(resident)
        session.flush()
        made = [
            ("pothole", "road", "pothole", KITA, 1, "new", NOTE),
            ("bench", "park", "bench", NAKA, 2, "in_progress", NOTE),
            ("light", "road", "streetlight", HIGASHI, 3, "resolved", None),
            ("referred", "road", "sign", MINAMI, 4, "referred", None),
            ("hidden", "road", "pothole", (KITA[0] + 0.001, KITA[1]), 1, "new", HIDDEN_NOTE),
            ("old", "road", "crack", KITA, 100, "new", NOTE),
        ]
        for name, category, sub, (lon, lat), days, status, note in made:
            report = create_report(
                session,
                category=category,
                subcategory=sub,
                lon=lon,
                lat=lat,
                now=now - timedelta(days=days),
                note=note,
                resident_id=resident.id,
            )
            report.status = status
            report.hidden = name == "hidden"
            world.receipts[name] = report.receipt_number
        world.read_token = access.create_token(session, "analyst")
        world.key = access.create_token(session, "partner-app", access.OPEN311)
        world.revoked_key = access.create_token(session, "old-app", access.OPEN311)
        access.revoke_token(session, "old-app", now)
        session.commit()
    engine.dispose()
    return world


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    return seed(fresh_areas_db_url)


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, world: World) -> Flask:
    return make_app(fresh_areas_db_url)


@pytest.fixture
def public(app: Flask) -> FlaskClient:
    """A client of a city whose profile publishes its reports."""
    city = app.extensions["tsuho.city"]
    app.extensions["tsuho.city"] = dataclasses.replace(city, public_exports=True)
    return app.test_client()


def get_json(client: FlaskClient, url: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert LINE_ID.encode() not in response.data
    document = json.loads(response.data)
    validate(document, schema)
    return document


def xml_records(body: bytes, root: str, item: str) -> list[dict[str, str | None]]:
    """Read the spec's XML back into records, as its JSON would hold them (as text)."""
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    top = ET.fromstring(body)
    assert top.tag == root
    records = []
    for element in top:
        assert element.tag == item
        assert all(len(child) == 0 for child in element)
        records.append({child.tag: child.text for child in element})
    return records


def as_text(records: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    def text(value: Any) -> str | None:
        if isinstance(value, bool):
            return "true" if value else "false"
        return None if value is None else str(value)

    return [{name: text(value) for name, value in record.items()} for record in records]


def error_of(response: Any, status: int) -> str:
    """Check an error answer's status and document; return its description."""
    assert response.status_code == status, response.text
    document = json.loads(response.data)
    validate(document, ERRORS)
    assert document[0]["code"] == status
    return document[0]["description"]


def ids_of(client: FlaskClient, query: str) -> list[str]:
    found = get_json(client, f"{BASE}/requests.json?{query}", SERVICE_REQUESTS)
    return [r["service_request_id"] for r in found]


def report_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Report)) or 0


# --- services ----------------------------------------------------------------------------


def test_services_are_the_citys_subcategories(public: FlaskClient) -> None:
    services = get_json(public, f"{BASE}/services.json", SERVICES)
    codes = [s["service_code"] for s in services]
    assert len(codes) == 8 + 6 and len(set(codes)) == len(codes)
    assert {"road.pothole", "road.tree", "park.tree", "park.playground"} <= set(codes)
    pothole = services[codes.index("road.pothole")]
    assert pothole == {
        "service_code": "road.pothole",
        "service_name": "穴・陥没",
        "description": "Road: Pothole / sinkhole",
        "metadata": False,
        "type": "realtime",
        "keywords": "道路, Road, Pothole / sinkhole",
        "group": "道路",
    }
    xml = public.get(f"{BASE}/services.xml")
    assert xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert xml_records(xml.data, "services", "service") == as_text(services)
    # The city's own jurisdiction, or an empty one, is the same as none.
    for query in ("?jurisdiction_id=city.okayama.jp", "?jurisdiction_id="):
        assert public.get(f"{BASE}/services.json{query}").json == services


def test_services_need_no_credentials_even_when_requests_do(app: Flask) -> None:
    assert app.extensions["tsuho.city"].public_exports is False
    client = app.test_client()
    assert client.get(f"{BASE}/services.json").status_code == 200
    # Some clients send their key with every call; services do not look at it.
    assert client.get(f"{BASE}/services.json?api_key=anything").status_code == 200


def test_every_state_is_open_or_closed_with_its_notes() -> None:
    expected = {
        "new": "open",
        "acknowledged": "open",
        "in_progress": "open",
        "resolved": "closed",
        "rejected": "closed",
        "duplicate": "closed",
        "referred": "closed",
    }
    assert {s: open311_status(s) for s in REPORT_STATUSES} == expected
    notes = [status_notes(s) for s in REPORT_STATUSES]
    assert len(set(notes)) == len(notes) and all(" / " in n for n in notes)


def test_xml_replaces_what_xml_cannot_hold() -> None:
    text = "a\x01b\x0bc\ud800d <&> e\tf\ng"
    body = open311_format.render([{"text": text, "none": None, "yes": True}], "xml", "r", "i")
    assert xml_records(body, "r", "i") == [
        {"text": "a\ufffdb\ufffdc\ufffdd <&> e\tf\ng", "none": None, "yes": "true"}
    ]


def test_service_errors(public: FlaskClient) -> None:
    other = public.get(f"{BASE}/services.json?jurisdiction_id=sfgov.org")
    assert "sfgov.org" in error_of(other, 404)
    # Parameters a GET does not know are ignored: clients send extensions of their own.
    assert public.get(f"{BASE}/services.json?foo=1&lang=en&extensions=true").status_code == 200
    assert ".json or .xml" in error_of(public.get(f"{BASE}/services.csv"), 404)
    assert "definition" in error_of(public.get(f"{BASE}/services/road.pothole.json"), 404)
    xml = public.get(f"{BASE}/services.xml?jurisdiction_id=nowhere")
    assert xml.status_code == 404 and xml.headers["Content-Type"].startswith("text/xml")
    (error,) = xml_records(xml.data, "errors", "error")
    assert error["code"] == "404" and "nowhere" in (error["description"] or "")


# --- reading requests ----------------------------------------------------------------------


def test_requests_are_the_public_view_of_90_days(public: FlaskClient, world: World) -> None:
    found = get_json(public, f"{BASE}/requests.json", SERVICE_REQUESTS)
    assert [r["service_request_id"] for r in found] == world.ids(
        "pothole", "bench", "light", "referred"
    )
    by_id = {r["service_request_id"]: r for r in found}
    pothole = by_id[world.receipts["pothole"]]
    assert pothole["status"] == "open"
    assert pothole["status_notes"] == "受付 / Received, not yet reviewed."
    assert (pothole["service_code"], pothole["service_name"]) == ("road.pothole", "穴・陥没")
    assert (pothole["long"], pothole["lat"]) == KITA
    assert pothole["address"] == "岡山市北区"
    assert pothole["agency_responsible"] == "岡山市"
    assert pothole["requested_datetime"].endswith("+09:00")
    # Notes are unreviewed free text: never published, whoever asks.
    assert all(r["description"] is None and r["media_url"] is None for r in found)
    body = public.get(f"{BASE}/requests.json").data
    assert NOTE.encode() not in body and HIDDEN_NOTE.encode() not in body
    assert by_id[world.receipts["light"]]["status"] == "closed"
    referred = by_id[world.receipts["referred"]]
    assert referred["status"] == "closed" and referred["agency_responsible"] is None
    assert by_id[world.receipts["bench"]]["status"] == "open"


def test_xml_carries_the_same_records(public: FlaskClient, world: World) -> None:
    found = get_json(public, f"{BASE}/requests.json", SERVICE_REQUESTS)
    xml = public.get(f"{BASE}/requests.xml")
    assert xml.status_code == 200 and xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert xml_records(xml.data, "service_requests", "request") == as_text(found)
    receipt = world.receipts["bench"]
    one = public.get(f"{BASE}/requests/{receipt}.xml")
    assert xml_records(one.data, "service_requests", "request") == as_text(
        [r for r in found if r["service_request_id"] == receipt]
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("service_code=road.pothole", ["pothole"]),
        ("service_code=road.pothole,park.bench", ["pothole", "bench"]),
        ("service_code=park.bench&service_code=road.streetlight", ["bench", "light"]),
        ("status=closed", ["light", "referred"]),
        ("status=open", ["pothole", "bench"]),
        ("status=open,closed&service_code=road.sign", ["referred"]),
        ("service_code=&status=", ["pothole", "bench", "light", "referred"]),
    ],
)
def test_filters(public: FlaskClient, world: World, query: str, expected: list[str]) -> None:
    assert ids_of(public, query) == world.ids(*expected)


def test_dates_and_ids(public: FlaskClient, world: World) -> None:
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=110), today - timedelta(days=95)
    old = ids_of(public, f"start_date={start}&end_date={end}")
    assert old == world.ids("old")
    since = (datetime.now(UTC) - timedelta(days=2, hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids_of(public, f"start_date={since}") == world.ids("pothole", "bench")
    until = (today - timedelta(days=99)).isoformat()
    assert ids_of(public, f"end_date={until}") == world.ids("old")
    # service_request_id overrides every other argument, the default window included;
    # a hidden report is not found even by its id.
    ids = ",".join(world.ids("old", "hidden", "light"))
    assert ids_of(public, f"service_request_id={ids}&status=open") == world.ids("light", "old")


def test_one_request_by_its_receipt_number(public: FlaskClient, world: World) -> None:
    receipt = world.receipts["old"]
    (found,) = get_json(public, f"{BASE}/requests/{receipt}.json", SERVICE_REQUESTS)
    assert found["service_request_id"] == receipt and found["service_code"] == "road.crack"
    assert "nope" in error_of(public.get(f"{BASE}/requests/nope.json"), 404)
    hidden = public.get(f"{BASE}/requests/{world.receipts['hidden']}.json")
    error_of(hidden, 404)
    assert HIDDEN_NOTE.encode() not in hidden.data
    assert public.get(f"{BASE}/requests/{receipt}.json?foo=1").status_code == 200


@pytest.mark.parametrize(
    "query, status, named",
    [
        ("start_date=2026-13-01", 400, "start_date"),
        ("start_date=yesterday", 400, "start_date"),
        ("end_date=2026-11-01T25:00:00Z", 400, "end_date"),
        ("start_date=2026-01-01&end_date=2026-06-01", 400, "90 days"),
        ("start_date=2026-06-01&end_date=2026-05-01", 400, "before"),
        ("start_date=2026-06-01&start_date=2026-06-02", 400, "more than once"),
        ("service_code=road.nope", 400, "road.nope"),
        ("service_code=road", 400, "service_code"),
        ("status=pending", 400, "status"),
        ("page=0", 400, "page"),
        ("page=x", 400, "page"),
        ("page_size=1001", 400, "page_size"),
        ("lat=34.6", 400, "long"),
        ("long=133.9", 400, "lat"),
        ("radius=100", 400, "radius"),
        ("lat=34.6&long=133.9&radius=-1", 400, "radius"),
        ("lat=nan&long=133.9", 400, "lat"),
        ("lat=34.6&long=200", 400, "long"),
        ("jurisdiction_id=city.kurashiki.okayama.jp", 404, "jurisdiction_id"),
    ],
)
def test_bad_queries(public: FlaskClient, query: str, status: int, named: str) -> None:
    assert named in error_of(public.get(f"{BASE}/requests.json?{query}"), status)
    xml = public.get(f"{BASE}/requests.xml?{query}")
    assert xml.status_code == status
    (error,) = xml_records(xml.data, "errors", "error")
    assert error["code"] == str(status)


def test_hostile_query_text_makes_well_formed_xml(public: FlaskClient) -> None:
    response = public.get(f"{BASE}/requests.xml?service_code=%3C/x%3E%26%22")
    (error,) = xml_records(response.data, "errors", "error")
    assert '</x>&"' in (error["description"] or "")
    # Control characters, which XML 1.0 cannot hold, are refused before any view.
    response = public.get(f"{BASE}/requests.xml?service_code=%01%3C/x%3E%26")
    assert response.status_code == 400
    (error,) = xml_records(response.data, "errors", "error")
    assert "control characters" in (error["description"] or "")


def test_requests_need_no_key_by_default(app: Flask, world: World) -> None:
    """GeoReport v2's GET Service Requests is keyless, even where exports need a token."""
    assert not app.extensions["tsuho.city"].public_exports
    client = app.test_client()
    found = get_json(client, f"{BASE}/requests.json", SERVICE_REQUESTS)
    assert [r["service_request_id"] for r in found] == world.ids(
        "pothole", "bench", "light", "referred"
    )
    receipt = world.receipts["pothole"]
    assert client.get(f"{BASE}/requests/{receipt}.xml").status_code == 200
    # A stale key from a client's settings does not matter where none is asked for.
    assert client.get(f"{BASE}/requests.json?api_key=whatever").status_code == 200


def test_unknown_parameters_and_extensions_are_ignored(public: FlaskClient, world: World) -> None:
    query = "extensions=true&attribute[WHISPAWN]=1&foo=bar&bbox=1,2,3,4"
    assert ids_of(public, query) == world.ids("pothole", "bench", "light", "referred")


def test_english_names_with_lang(public: FlaskClient, world: World) -> None:
    services = get_json(public, f"{BASE}/services.json?lang=en", SERVICES)
    pothole = next(s for s in services if s["service_code"] == "road.pothole")
    assert (pothole["service_name"], pothole["group"]) == ("Pothole / sinkhole", "Road")
    found = get_json(public, f"{BASE}/requests.json?lang=en-US", SERVICE_REQUESTS)
    by_id = {r["service_request_id"]: r for r in found}
    assert by_id[world.receipts["pothole"]]["service_name"] == "Pothole / sinkhole"
    japanese = get_json(public, f"{BASE}/requests.json?lang=fr", SERVICE_REQUESTS)
    assert {r["service_name"] for r in japanese} >= {"穴・陥没"}


def test_pages(public: FlaskClient, world: World) -> None:
    assert ids_of(public, "page_size=3") == world.ids("pothole", "bench", "light")
    assert ids_of(public, "page_size=3&page=2") == world.ids("referred")
    assert ids_of(public, "page_size=3&page=3") == []
    assert ids_of(public, "page=1") == world.ids("pothole", "bench", "light", "referred")


def test_requests_around_a_point(public: FlaskClient, world: World) -> None:
    lon, lat = KITA
    assert ids_of(public, f"lat={lat}&long={lon}&radius=10") == world.ids("pothole")
    assert ids_of(public, f"lat={lat}&long={lon}&radius=0") == world.ids("pothole")
    wide = ids_of(public, f"lat={lat}&long={lon}&radius=50000")
    assert wide == world.ids("pothole", "bench", "light", "referred")
    # Without a radius, 1 km around the point.
    assert ids_of(public, f"lat={lat}&long={lon}") == world.ids("pothole")


def test_discovery(public: FlaskClient) -> None:
    found = public.get("/open311/discovery.json")
    assert found.status_code == 200 and found.mimetype == "application/json"
    document = found.json
    (endpoint,) = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2/"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert {"changeset", "contact", "key_service"} <= set(document)
    services = public.get(endpoint["url"] + "services.json")
    assert services.status_code == 200
    xml = public.get("/open311/discovery.xml")
    top = ET.fromstring(xml.data)
    assert top.tag == "discovery"
    assert top.findtext("endpoints/endpoint/url") == endpoint["url"]
    formats = [f.text for f in top.findall("endpoints/endpoint/formats/format")]
    assert set(formats) == {"text/xml", "application/json"}
    assert public.get("/open311/discovery.csv").status_code == 404


def test_other_origins_may_read(public: FlaskClient) -> None:
    origin = {"Origin": "https://opendata.example"}
    found = public.get(f"{BASE}/requests.json", headers=origin)
    assert found.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in found.headers
    preflight = public.options(
        f"{BASE}/requests.json",
        headers={**origin, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert public.get("/open311/discovery.json", headers=origin).headers[
        "Access-Control-Allow-Origin"
    ] == "*"


def test_a_city_that_requires_a_key_asks_for_credentials(app: Flask, world: World) -> None:
    city = app.extensions["tsuho.city"]
    app.extensions["tsuho.city"] = dataclasses.replace(city, open311_requires_key=True)
    client = app.test_client()
    url = f"{BASE}/requests.json"
    assert "api_key" in error_of(client.get(url), 403)
    error_of(client.get(f"{url}?api_key={world.revoked_key}"), 403)
    error_of(client.get(f"{url}?api_key={world.read_token}"), 403)
    error_of(client.get(url, headers={"Authorization": f"Bearer {world.key}"}), 403)
    for found in (
        get_json(client, f"{url}?api_key={world.key}", SERVICE_REQUESTS),
        json.loads(client.get(url, headers={"Authorization": f"Bearer {world.read_token}"}).data),
    ):
        # Still the public view: Open311 documents are made to be shown by other apps.
        assert len(found) == 4 and all(r["description"] is None for r in found)
    receipt = world.receipts["pothole"]
    error_of(client.get(f"{BASE}/requests/{receipt}.json"), 403)
    assert client.get(f"{BASE}/requests/{receipt}.json?api_key={world.key}").status_code == 200


# --- filing requests -----------------------------------------------------------------------


def form(world: World, **fields: object) -> dict[str, object]:
    """A valid request at the station in Kita ward, with the given fields changed."""
    base: dict[str, object] = {
        "api_key": world.key,
        "service_code": "road.pothole",
        "lat": str(KITA[1]),
        "long": str(KITA[0]),
    }
    base.update(fields)
    return {name: value for name, value in base.items() if value is not None}


def test_an_app_files_a_report(app: Flask, world: World) -> None:
    client = app.test_client()
    description = f"歩道側に深い穴 {SCRIPT}\n2行目"
    response = client.post(
        f"{BASE}/requests.json",
        data=form(
            world,
            jurisdiction_id="city.okayama.jp",
            description=description,
            address_string="岡山市北区駅元町1-1",
            media_url=MEDIA_URL,
            email="someone@example.jp",
            first_name="Taro",
            last_name="Yamada",
            phone="090-0000-0000",
            device_id="device-42",
            account_id="account-42",
        ),
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    (created,) = response.json
    validate(response.json, POST_RESPONSE)
    receipt = created["service_request_id"]
    assert created["account_id"] is None
    assert "086-803-1000" in created["service_notice"]
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.receipt_number == receipt)).one()
        assert (report.source, report.resident_id, report.status) == ("open311", None, "new")
        assert (report.subcategory, report.area_code) == ("pothole", "33101")
        assert report.note == description and report.address == "岡山市北区駅元町1-1"
        (event,) = db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id))
        assert (event.actor_kind, event.action) == ("open311", "created")
        assert event.data == {"client": "partner-app", "media_url": MEDIA_URL}
        stored = json.dumps([report.note, report.address, event.data], ensure_ascii=False)
    for personal in ("someone@example.jp", "Taro", "Yamada", "090-0000-0000", "device-42"):
        assert personal not in stored
    # Read back by the app with its key: open, and no description for the public.
    (found,) = get_json(
        client, f"{BASE}/requests/{receipt}.json?api_key={world.key}", SERVICE_REQUESTS
    )
    assert (found["status"], found["service_code"], found["description"]) == (
        "open",
        "road.pothole",
        None,
    )


def test_json_bodies_and_xml_answers(app: Flask, world: World) -> None:
    client = app.test_client()
    body = {**form(world), "lat": NAKA[1], "long": NAKA[0], "service_code": "park.bench"}
    body["description"] = None
    response = client.post(f"{BASE}/requests.xml", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    (created,) = xml_records(response.data, "service_requests", "request")
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    with app.app_context():
        report = db.session.scalars(
            select(Report).where(Report.receipt_number == created["service_request_id"])
        ).one()
        assert (report.subcategory, report.area_code, report.note) == ("bench", "33102", None)
    for bad in ([body], "text", {**body, "lat": [1, 2]}, {**body, "lat": True}):
        error_of(client.post(f"{BASE}/requests.json", json=bad), 400)
    for lone in ({**body, "\ud800": "x"}, {**body, "description": "\ud800"}):
        raw = json.dumps(lone).encode()  # a lone surrogate, as JSON's escapes allow
        response = client.post(f"{BASE}/requests.json", data=raw, content_type="application/json")
        error_of(response, 400)


def test_the_key_must_be_an_open311_key(app: Flask, world: World) -> None:
    client = app.test_client()
    for key in (None, "", "tsuho_wrong", world.revoked_key, world.read_token):
        response = client.post(f"{BASE}/requests.json", data=form(world, api_key=key))
        assert "api_key" in error_of(response, 403)
    xml = client.post(f"{BASE}/requests.xml", data=form(world, api_key="nope"))
    assert xml.status_code == 403
    assert xml_records(xml.data, "errors", "error")[0]["code"] == "403"
    # And an Open311 key reads none of the analysts' exports.
    bearer = {"Authorization": f"Bearer {world.key}"}
    assert client.get("/api/reports.geojson", headers=bearer).status_code == 401
    assert report_count(app) == 6


@pytest.mark.parametrize(
    "fields, status, named",
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "road.nope"}, 404, "road.nope"),
        ({"lat": None}, 400, "lat and long are required"),
        ({"lat": None, "long": None, "address_string": "駅元町1-1"}, 400, "not by address_string"),
        ({"lat": "abc"}, 400, "lat"),
        ({"long": "nan"}, 400, "long"),
        ({"long": "1e3"}, 400, "long"),
        ({"lat": "95"}, 400, "lat/long"),
        ({"long": "-181.5"}, 400, "lat/long"),
        ({"description": "穴" * 4001}, 400, "at most 4000"),
        ({"description": "NUL\x00here"}, 400, "control characters"),
        ({"address_string": "x" * 301}, 400, "address_string"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url"),
        ({"media_url": "http://"}, 400, "media_url"),
        ({"attribute[WHISPAWN]": "1"}, 400, "attribute[WHISPAWN]"),
        ({"jurisdiction_id": "sfgov.org"}, 404, "sfgov.org"),
    ],
)
def test_bad_requests_file_nothing(
    app: Flask, world: World, fields: dict[str, object], status: int, named: str
) -> None:
    response = app.test_client().post(f"{BASE}/requests.json", data=form(world, **fields))
    assert named in error_of(response, status)
    assert report_count(app) == 6


def test_a_point_outside_the_city_is_refused_naming_where_it_is(app: Flask, world: World) -> None:
    client = app.test_client()

    def refused(lon: float, lat: float) -> str:
        response = client.post(f"{BASE}/requests.json", data=form(world, lat=lat, long=lon))
        return error_of(response, 400)

    kurashiki = refused(*KURASHIKI)
    assert "この地点は倉敷市で、岡山市の外です" in kurashiki
    assert "This point is in Kurashiki City, outside Okayama City" in kurashiki
    assert "just outside" not in kurashiki
    assert "could not place this point in Okayama City" in refused(*SEA)
    (outside,) = [p for p in border_probes("33101", "33202") if p.code == "33202"][:1]
    near = refused(outside.lon, outside.lat)
    assert "倉敷市" in near and "just outside the Okayama City border" in near
    assert report_count(app) == 6


def test_a_point_just_inside_the_border_is_taken_as_sent(app: Flask, world: World) -> None:
    (inside,) = [p for p in border_probes("33101", "33202") if p.code == "33101"][:1]
    response = app.test_client().post(
        f"{BASE}/requests.json", data=form(world, lat=inside.lat, long=inside.lon)
    )
    assert response.status_code == 200, response.text
    assert report_count(app) == 7


def test_a_photo_is_cleaned_like_a_line_photo(app: Flask, world: World) -> None:
    client = app.test_client()
    photo = encode(quadrants((640, 480)), "JPEG")
    assert any(sentinel in photo for sentinel in SENTINELS)
    response = client.post(
        f"{BASE}/requests.json",
        data={**form(world), "media": (photo_file(photo), "pothole.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.text
    receipt = response.json[0]["service_request_id"]
    with app.app_context():
        (stored,) = db.session.scalars(
            select(Photo).join(Report).where(Report.receipt_number == receipt)
        )
        data = app.extensions["tsuho.photos"].read(stored.storage_key)
    assert data.startswith(b"\xff\xd8") and (stored.width, stored.height) == (640, 480)
    assert not any(sentinel in data for sentinel in SENTINELS)
    broken = client.post(
        f"{BASE}/requests.json",
        data={**form(world), "media": (photo_file(b"not an image"), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert "media" in error_of(broken, 400)
    assert report_count(app) == 7


def test_a_body_over_the_limit_is_refused(app: Flask, world: World) -> None:
    # Refused on its Content-Length, before a byte of it is read.
    huge = b"--b\r\n" + b"\0" * (21 * 1024 * 1024) + b"\r\n--b--\r\n"
    response = app.test_client().post(
        f"{BASE}/requests.json", data=huge, content_type="multipart/form-data; boundary=b"
    )
    assert "Too Large" in error_of(response, 413)
    assert report_count(app) == 6


def photo_file(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


# --- staff and keys --------------------------------------------------------------------------


def test_staff_see_the_report_with_its_channel_and_unfetched_media_url(
    app: Flask, world: World
) -> None:
    url = "https://photos.example/p/1.jpg?a=1&b=<2>"
    response = app.test_client().post(
        f"{BASE}/requests.json", data=form(world, description=SCRIPT, media_url=url)
    )
    receipt = response.json[0]["service_request_id"]
    with app.app_context():
        report_id = db.session.scalar(select(Report.id).where(Report.receipt_number == receipt))
    add_user(app, "tanaka", "viewer")
    staff = app.test_client()
    log_in(staff, "tanaka")
    page = staff.get(f"/staff/reports/{report_id}").text
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Open311 (partner-app)" in page
    assert "https://photos.example/p/1.jpg?a=1&amp;b=&lt;2&gt;" in page
    assert 'href="https://photos.example' not in page
    listed = staff.get(f"/staff/reports?receipt={receipt}").text
    assert "Open311" in listed


def test_the_tokens_command_makes_open311_keys(app: Flask) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["tokens", "create", "city-app", "--scope", "open311"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip()
    assert "api_key" in made.stderr
    assert "city-app\topen311\t" in runner.invoke(args=["tokens", "list"]).output
    assert runner.invoke(args=["tokens", "create", "x", "--scope", "admin"]).exit_code != 0
    client = app.test_client()
    data = {"api_key": key, "service_code": "road.crack", "lat": KITA[1], "long": KITA[0]}
    assert client.post(f"{BASE}/requests.json", data=data).status_code == 200
    bearer = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/reports.csv", headers=bearer).status_code == 401
    assert runner.invoke(args=["tokens", "revoke", "city-app"]).exit_code == 0
    error_of(client.post(f"{BASE}/requests.json", data=data), 403)
