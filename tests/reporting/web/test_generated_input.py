"""Generated input (hypothesis) to every route: any value of any parameter or form field is
answered without a 5xx, and no GET changes a row."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule

from reporting.db import db
from tests.reporting.open311.test_open311 import World
from tests.reporting.open311.test_open311 import seed
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token
from tests.reporting.staff_browser import log_in
from tests.reporting.web.test_bad_input import counts

# Every query parameter any route reads, and names no route knows (which must be refused or
# ignored, never passed on: endpoint and _method once reached url_for).
PARAMETERS = (
    "bbox", "datetime", "status", "category", "ward", "limit", "offset", "f", "receipt",
    "page", "sort", "dir", "from", "to", "hidden", "urgent", "zoom", "api_key",
    "jurisdiction_id", "service_code", "service_request_id", "start_date", "end_date",
    "next", "lang", "endpoint", "_method", "_external", "_anchor", "token",
)
FORM_FIELDS = (
    "note", "message", "status", "department", "priority", "receipt", "manager", "reason",
    "notify", "report", "change", "login", "password", "display_name", "role", "lang", "next",
    "service_code", "description", "lat", "long", "address_string", "email", "first_name",
    "last_name", "phone", "media_url", "api_key", "jurisdiction_id", "device_id", "account_id",
)
SPECIAL = (
    "", "\x00", "a\x00b", "²", "٣", "9223372036854775807", "9223372036854775808",
    "-1", "1e309", "NaN", "0001-01-01", "9999-12-31", "2026-11-23t09:00:00z",
    "2026-02-30", "../..", "/", "//evil.example", "..", "open", "json", "xml", "reports",
    "wards", "33101", "road", "road.pothole", "new", "resolved", "acknowledged", "1",
    "0,0,1,1", "180,90,-180,-90", "%", "\ud7ff", "\ufeff", "<script>", "' OR 1=1 --",
    "x" * 5000, "[" * 200, "\\", "\t", "\r\n",
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
VALUES = st.one_of(
    st.sampled_from(SPECIAL),
    TEXT,
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
)
PAIRS = st.lists(st.tuples(st.sampled_from(PARAMETERS), VALUES), max_size=5)
FIELDS = st.lists(st.tuples(st.sampled_from(FORM_FIELDS), VALUES), max_size=6)
# Sessions ending (logout) would leave the rest of the run anonymous.
SKIPPED_POSTS = {"/staff/logout"}


@pytest.fixture(scope="module")
def world(databases: Any, areas_template: str) -> tuple[World, str]:
    url = databases.url(databases.create(template=areas_template))
    return seed(url), url


@pytest.fixture(scope="module")
def module_app(
    world: tuple[World, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    from app import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": world[1],
            "SECRET_KEY": "test-secret",
            "PHOTO_DIR": str(tmp_path_factory.mktemp("photos")),
            "LINE_CHANNEL_SECRET": "generated",
        }
    )
    add_user(app, "tanaka", "admin")
    add_user(app, "sato", "staff")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def staff(module_app: Flask) -> FlaskClient:
    client = module_app.test_client()
    assert log_in(client, "tanaka").status_code == 302
    return client


def rules(app: Flask, method: str) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if method in (rule.methods or ()) and rule.endpoint != "static"
    ]


def path_of(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name]  # noqa: SLF001
        pattern = f"<{name}>" if f"<{name}>" in path else f"<int:{name}>"
        value = values[name]
        if type(converter).__name__ == "BoundedIntConverter" and not value.isascii():
            value = "1"
        path = path.replace(pattern, quote(value, safe=""))
    return path


def path_values(rule: Rule) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {
            name: st.one_of(
                st.sampled_from(("1", "2", "json", "xml", "reports", "wards", "33101", "status")),
                st.integers(min_value=0, max_value=2**70).map(str),
                TEXT.filter(lambda t: t not in ("", ".", "..")),
            )
            for name in rule.arguments
        }
    )


@st.composite
def get_requests(draw: st.DrawFn, app: Flask) -> str:
    rule = draw(st.sampled_from(rules(app, "GET")))
    path = path_of(rule, draw(path_values(rule)))
    return f"{path}?{urlencode(draw(PAIRS))}"


@st.composite
def post_requests(draw: st.DrawFn, app: Flask) -> tuple[str, list[tuple[str, str]]]:
    posts = [r for r in rules(app, "POST") if r.rule not in SKIPPED_POSTS]
    rule = draw(st.sampled_from(posts))
    return path_of(rule, draw(path_values(rule))), draw(FIELDS)


def test_no_get_answers_5xx_or_changes_a_row(
    module_app: Flask, staff: FlaskClient, world: tuple[World, str]
) -> None:
    headers = {"Authorization": f"Bearer {world[0].read_token}"}
    before = counts(module_app)

    @settings(
        max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(get_requests(module_app))
    def check(url: str) -> None:
        response = staff.get(url, headers=headers)
        assert response.status_code < 500, (url, response.status_code, response.text[:500])

    check()
    assert counts(module_app) == before


def test_no_form_post_answers_5xx(module_app: Flask, staff: FlaskClient) -> None:
    token = csrf_token(staff.get("/staff/admin/users").text)

    @settings(
        max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(post_requests(module_app))
    def check(request: tuple[str, list[tuple[str, str]]]) -> None:
        path, fields = request
        response = staff.post(path, data=MultiDict([*fields, ("csrf_token", token)]))
        assert response.status_code < 500, (path, fields, response.status_code)

    check()
