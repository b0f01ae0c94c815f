"""The public site over HTTP: the map, its markers, report pages and photos, the data page.

Nothing any public response holds may carry a note, a resident or an unpublished photo.
"""

import gzip
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting.city_profile import PublicSite
from tests.conftest import AppFactory
from tests.reporting.public.world import ANSWER
from tests.reporting.public.world import HIDDEN_NOTE
from tests.reporting.public.world import LINE_USER
from tests.reporting.public.world import NOTE
from tests.reporting.public.world import World
from tests.reporting.public.world import build
from tests.reporting.staff_browser import referenced_urls

BOX = "133.8,34.5,134.1,34.8"
PAGE_BUDGET = 100_000


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(fresh_areas_db_url)


@pytest.fixture
def world(app: Flask) -> World:
    return build(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def markers(client: FlaskClient, **args: str) -> dict:
    response = client.get("/map/reports.json", query_string={"bbox": BOX, "zoom": "12", **args})
    assert response.status_code == 200, response.text
    return response.get_json()


def test_the_map_page_lists_visible_reports_in_japanese_with_this_months_figures(
    client: FlaskClient, world: World
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    assert world.shown in page.text and world.other in page.text
    assert world.hidden not in page.text
    assert "道路（穴・陥没）" in page.text
    assert "今月の受付" in page.text and "2件" in page.text  # the hidden one is not counted
    assert "受付" in page.text  # the glossary's word for new
    assert NOTE not in page.text


def test_markers_hold_visible_reports_only_and_the_filters_apply(
    client: FlaskClient, world: World
) -> None:
    found = markers(client)
    receipts = {row[0] for row in found["reports"]}
    assert receipts == {world.shown, world.other}
    assert found["count"] == 2 and found["cells"] == []
    assert markers(client, kind="park")["reports"] == []
    assert markers(client, status="open", ward="33101")["count"] == 2
    assert markers(client, status="resolved")["count"] == 0


def test_above_the_limit_markers_become_grid_counts(
    fresh_areas_db_url: str, make_app: AppFactory
) -> None:
    app = make_app(fresh_areas_db_url, PUBLIC_MARKER_LIMIT=1)
    world = build(app)
    found = markers(app.test_client())
    assert found["reports"] == [] and found["count"] == 2
    assert sum(cell[2] for cell in found["cells"]) == 2
    assert world.hidden not in str(found)


@pytest.mark.parametrize(
    "query",
    [
        {"zoom": "12"},
        {"bbox": "1,2,3", "zoom": "12"},
        {"bbox": BOX, "zoom": "99"},
        {"bbox": BOX, "zoom": "-1"},
        {"bbox": BOX, "zoom": "12", "kind": "sewer"},
        {"bbox": BOX, "zoom": "12", "status": "lost"},
        {"bbox": BOX, "zoom": "12", "ward": "13110"},
        {"bbox": BOX, "zoom": "12", "note": "x"},
        {"bbox": "nan,34,134,35", "zoom": "12"},
    ],
)
def test_bad_marker_queries_get_400(client: FlaskClient, query: dict[str, str]) -> None:
    response = client.get("/map/reports.json", query_string=query)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_a_bad_filter_on_the_map_page_is_400(client: FlaskClient) -> None:
    assert client.get("/?status=lost").status_code == 400
    assert client.get("/?kind=road").status_code == 200


def test_a_report_page_shows_the_answer_its_history_and_published_photos_only(
    client: FlaskClient, world: World
) -> None:
    page = client.get(f"/r/{world.shown}")
    assert page.status_code == 200
    assert ANSWER in page.text
    assert "道路（穴・陥没）" in page.text and "北区" in page.text
    assert "受付" in page.text  # its history in words
    assert f"/r/{world.shown}/photos/{world.published_thumb}" in page.text
    assert world.after_key in page.text
    assert world.unpublished_key not in page.text and world.unpublished_thumb not in page.text
    assert NOTE not in page.text
    for key in (world.published_key, world.published_thumb, world.after_key):
        with client.get(f"/r/{world.shown}/photos/{key}") as photo:
            assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
            assert b"GPS" not in photo.data and b"TsuhoCam" not in photo.data
            # Unpublishing must reach every cache: each one asks again before showing it.
            assert "no-cache" in photo.headers["Cache-Control"]


def test_unpublished_and_hidden_photos_and_reports_are_404(
    client: FlaskClient, world: World
) -> None:
    for key in (world.unpublished_key, world.unpublished_thumb, world.hidden_photo_key):
        with client.get(f"/r/{world.shown}/photos/{key}") as photo:
            assert photo.status_code == 404
    assert client.get(f"/r/{world.hidden}/photos/{world.hidden_photo_key}").status_code == 404
    # A published photo is only served under its own report.
    assert client.get(f"/r/{world.other}/photos/{world.published_key}").status_code == 404
    assert client.get(f"/r/{world.hidden}").status_code == 404
    assert client.get("/r/9999-99999").status_code == 404
    assert client.get("/r/" + "x" * 500).status_code == 404


def test_no_public_response_carries_a_note_a_resident_or_an_unpublished_photo(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from tests.reporting.staff_browser import add_user
    from tests.reporting.staff_browser import log_in

    add_user(app, "tanaka", "admin")
    staff = app.test_client()
    log_in(staff, "tanaka")
    paths = ["/", "/data", "/report", f"/r/{world.shown}", f"/r/{world.other}",
             f"/map/reports.json?bbox={BOX}&zoom=12", "/?status=open", "/language/en?next=/",
             f"/r/{world.shown}?lang=en"]  # fmt: skip
    for who in (client, staff):  # whoever asks
        for path in paths:
            response = who.get(path, follow_redirects=True)
            body = response.get_data(as_text=True)
            for secret in (NOTE, HIDDEN_NOTE, LINE_USER, world.unpublished_key,
                           world.unpublished_thumb, world.hidden, world.hidden_photo_key):
                assert secret not in body, (path, secret)
            assert not re.search(r"resident(_id)?\W", body), path


def test_links_and_assets_are_local_and_no_page_has_an_inline_script(
    client: FlaskClient, world: World
) -> None:
    for path in ("/", "/data", "/report", f"/r/{world.shown}"):
        page = client.get(path)
        assert page.status_code == 200
        for tag, url in referenced_urls(page.text):
            if tag in ("script", "link", "img"):
                assert url.startswith("/"), url
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
        for attributes, body in scripts:
            assert "src=" in attributes or 'type="application/json"' in attributes, path
            assert "src=" not in attributes or not body.strip()
        assert not re.search(r"\son[a-z]+=", page.text), path


def test_the_map_page_with_its_scripts_and_styles_weighs_under_100_kb_as_served(
    client: FlaskClient, world: World
) -> None:
    """Counted as a browser receives them: compressed where the server compresses."""
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    total = len(page.data)
    assets = [url for tag, url in referenced_urls(page.text) if tag in ("script", "link")]
    assert any(url.endswith("leaflet.js") for url in assets)
    for url in assets:
        asset = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200, url
        if url.endswith((".js", ".css")):
            assert asset.headers.get("Content-Encoding") == "gzip", url
            gzip.decompress(asset.data)
        total += len(asset.data)
        asset.close()
    assert total < PAGE_BUDGET, total


def test_the_data_page_gives_the_licence_attribution_and_links(
    client: FlaskClient,
) -> None:
    page = client.get("/data")
    assert page.status_code == 200
    assert "CC BY 4.0" in page.text and "岡山市 道路・公園損傷通報" in page.text
    assert "creativecommons.org/licenses/by/4.0" in page.text
    for link in ("/api/reports.geojson", "/api/reports.csv", "/ogc", "/open311/v2/services.json"):
        assert f'href="{link}"' in page.text
    assert "receipt_number" in page.text  # the data dictionary


def test_english_by_choice(client: FlaskClient, world: World) -> None:
    response = client.get("/language/en?next=/r/" + world.shown)
    assert response.status_code == 302 and response.location.endswith(f"/r/{world.shown}")
    page = client.get(f"/r/{world.shown}")
    assert '<html lang="en">' in page.text
    assert "Road (Pothole / sinkhole)" in page.text and "The city's answer" in page.text
    for elsewhere in ("//evil.example", "/\\evil.example", "/\t/evil.example", "https://x.jp"):
        assert client.get("/language/en", query_string={"next": elsewhere}).location == "/"


def test_the_city_profile_switches_the_public_side_off(
    app: Flask, client: FlaskClient, world: World
) -> None:
    city = app.extensions["tsuho.city"]
    from dataclasses import replace

    app.extensions["tsuho.city"] = replace(city, public=PublicSite(enabled=False))
    for path in ("/", "/data", "/report", f"/r/{world.shown}",
                 f"/r/{world.shown}/photos/{world.published_key}",
                 f"/map/reports.json?bbox={BOX}&zoom=12", "/report/status/" + "a" * 43):
        assert client.get(path).status_code == 404, path  # fmt: skip
