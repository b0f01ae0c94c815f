"""Headers on every page, proxies believed only when trusted, hosts, logs without secrets,
and exports that leave threads free."""

import io
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from reporting.db import db
from reporting.operations.logs import AccessFields
from reporting.web import errors as web_errors
from tests.conftest import AppFactory
from tests.reporting.export_world import World
from tests.reporting.export_world import bearer
from tests.reporting.export_world import seed

STAFF_PAGES = (
    "/staff/",
    "/staff/reports",
    "/staff/stats",
    "/staff/admin/users",
    "/staff/admin/operations/",
)


@pytest.fixture
def world(fresh_areas_db_url: str) -> World:
    return seed(fresh_areas_db_url)


def check_headers(response) -> str:  # noqa: ANN001
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    return csp


def test_every_staff_page_carries_the_headers(app: Flask, staff: FlaskClient, world: World) -> None:
    pages = [*STAFF_PAGES, f"/staff/reports/{min(world.visible)}"]
    for path in pages:
        response = staff.get(path)
        assert response.status_code == 200, path
        check_headers(response)
        assert response.headers["Cache-Control"] == "no-store", path
    check_headers(app.test_client().get("/staff/login"))


def test_the_maps_inline_script_runs_by_the_responses_nonce(staff: FlaskClient) -> None:
    response = staff.get("/staff/")
    csp = check_headers(response)
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
    # Every executable inline script carries the nonce; JSON data blocks never run.
    for attributes in inline:
        assert f'nonce="{nonce.group(1)}"' in attributes or 'type="application/json"' in attributes
    assert staff.get("/staff/").headers["Content-Security-Policy"] != csp
    assert "cyberjapandata.gsi.go.jp" in csp.split("img-src")[1].split(";")[0]


def test_no_page_has_inline_event_handlers(staff: FlaskClient) -> None:
    for path in STAFF_PAGES:
        assert not re.search(r"\son[a-z]+=", staff.get(path).text), path


def test_exports_are_not_stored_and_public_pages_carry_the_headers(
    app: Flask, world: World
) -> None:
    client = app.test_client()
    export = client.get("/api/reports.csv", headers=bearer(world))
    assert export.status_code == 200
    assert export.headers["Cache-Control"] == "no-store"
    items = client.get("/ogc/collections/reports/items", headers=bearer(world))
    assert items.headers["Cache-Control"] == "no-store"
    check_headers(client.get("/healthz"))


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    fresh_db_url: str, make_app: AppFactory
) -> None:
    seen: list[str | None] = []
    for trusted in ("", "10.0.0.0/8"):
        app = make_app(fresh_db_url, TRUSTED_PROXIES=trusted)

        @app.get("/probe-address")
        def probe() -> str:
            from flask import request

            return f"{request.remote_addr} {request.scheme}"

        client = app.test_client()
        headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        for peer in ("10.1.2.3", "198.51.100.1"):
            answer = client.get(
                "/probe-address", headers=headers, environ_base={"REMOTE_ADDR": peer}
            )
            seen.append(answer.text)
    assert seen == [
        "10.1.2.3 http",  # nothing trusted: the peer is the client
        "198.51.100.1 http",
        "203.0.113.9 https",  # the trusted proxy says who its client was
        "198.51.100.1 http",  # anyone else cannot
    ]


def test_hosts_outside_trusted_hosts_get_400(fresh_db_url: str, make_app: AppFactory) -> None:
    app = make_app(fresh_db_url, TRUSTED_HOSTS=["tsuho.example.jp"])
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "tsuho.example.jp"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_ogc_links_use_the_public_url_not_the_host_header(
    fresh_areas_db_url: str, make_app: AppFactory, world: World
) -> None:
    app = make_app(fresh_areas_db_url, PUBLIC_URL="https://tsuho.example.jp")
    landing = app.test_client().get("/ogc/", headers={"Host": "evil.example"})
    assert "evil.example" not in landing.text
    assert "https://tsuho.example.jp/ogc/conformance" in landing.text
    # Open311's discovery document names its endpoint the same way.
    discovery = app.test_client().get("/open311/discovery.json", headers={"Host": "evil.example"})
    assert discovery.status_code == 200
    assert "evil.example" not in discovery.text
    assert "https://tsuho.example.jp/open311/" in discovery.text


def test_a_database_error_logs_no_parameter_values(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "$argon2id$v=19$m=65536,t=3,p=4$secret-hash-value"
    with app.test_request_context("/probe"), caplog.at_level(logging.INFO):
        try:
            query = text("SELECT CAST(:value AS text) FROM no_such_table")
            db.session.execute(query, {"value": secret})
        except Exception as error:  # noqa: BLE001
            response, status = web_errors.database_error(error)
            assert status == 500
    assert "no_such_table" in caplog.text and "SELECT CAST" in caplog.text
    assert "parameters hidden" in caplog.text
    assert "secret-hash-value" not in caplog.text


def test_api_keys_are_redacted_from_access_lines() -> None:
    atoms = {
        "r": "GET /open311/v2/requests.json?api_key=SECRETKEY&status=open HTTP/1.1",
        "q": "api_key=SECRETKEY&status=open",
        "U": "/open311/v2/requests.json",
        "h": "127.0.0.1",
    }
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, '%(h)s "%(r)s"', atoms, None)
    AccessFields().filter(record)
    line = record.getMessage() + " " + str(getattr(record, "query", ""))
    assert "SECRETKEY" not in line
    assert "api_key=[redacted]&status=open" in line


def test_exports_beyond_the_limit_get_429(
    fresh_areas_db_url: str, make_app: AppFactory, world: World
) -> None:
    app = make_app(fresh_areas_db_url, MAX_CONCURRENT_EXPORTS=1)
    client = app.test_client()
    first = client.get("/api/reports.csv", headers=bearer(world), buffered=False)
    assert first.status_code == 200
    busy = client.get("/api/reports.csv", headers=bearer(world))
    assert busy.status_code == 429
    assert int(busy.headers["Retry-After"]) > 0
    first.close()  # the slot is free again once the first export is closed
    again = client.get("/api/reports.csv", headers=bearer(world))
    assert again.status_code == 200
    assert io.BytesIO(again.data).read(3) == b"\xef\xbb\xbf"


def test_app_wide_limits_apply_only_when_a_deployment_configures_them(
    fresh_db_url: str, make_app: AppFactory
) -> None:
    """Tsuho's own limits are per view; a deployment may still add app-wide ones."""
    limited = make_app(fresh_db_url, RATELIMIT_DEFAULT="2 per hour").test_client()
    answers = [limited.get("/open311/v2/services.json").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    unlimited = make_app(fresh_db_url).test_client()
    answers = [unlimited.get("/open311/v2/services.json").status_code for _ in range(5)]
    assert answers == [200] * 5
