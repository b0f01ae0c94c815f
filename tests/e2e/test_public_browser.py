"""The public site in a real browser: Debian's Chromium driven by Playwright against gunicorn.

axe-core (npm, pinned in tests/a11y) is injected into each page and must find no serious or
critical violation, in Japanese and in English.
"""

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from app import create_app
from reporting.db import db
from tests.conftest import Databases
from tests.e2e.test_staff_browser import ARGS
from tests.e2e.test_staff_browser import BLANK_TILE
from tests.e2e.test_staff_browser import CHROMIUM
from tests.processes import ROOT
from tests.processes import gunicorn
from tests.reporting.line_world import KITA
from tests.reporting.line_world import KURASHIKI
from tests.reporting.public.world import ANSWER
from tests.reporting.public.world import World
from tests.reporting.public.world import build
from tests.reporting.public.world import jpeg
from tests.reporting.staff_browser import PASSWORD
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")


@dataclass
class Site:
    url: str
    world: World
    tmp: Path


@pytest.fixture(scope="module")
def site(
    databases: Databases, areas_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    name = databases.create(template=areas_template)
    url = databases.url(name)
    tmp = tmp_path_factory.mktemp("public")
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "e2e", "PHOTO_DIR": str(tmp / "photos")}
    app: Flask = create_app({"TESTING": True, **config})
    world = build(app)
    add_user(app, "tanaka", "staff")
    with app.app_context():
        db.engine.dispose()
    env = {"DATABASE_URL": url, "SECRET_KEY": "e2e", "PHOTO_DIR": str(tmp / "photos"),
           "MAP_TILES_URL": BLANK_TILE, "TSUHO_ENV": "development"}  # fmt: skip
    try:
        with gunicorn(env, tmp / "server.log") as served:
            yield Site(served, world, tmp)
    finally:
        databases.drop(name)


@pytest.fixture(scope="module")
def axe_source() -> str:
    path = subprocess.run(
        [str(ROOT / "scripts/axe-core.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()
    return Path(path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def phone(chromium: Browser, language: str = "ja", **context: object) -> Page:
    page = chromium.new_context(viewport=PHONE, locale=language, **context).new_page()  # type: ignore[arg-type]
    return page


def choose(page: Page, site: Site, language: str) -> None:
    page.goto(f"{site.url}/language/{language}?next=/data")


def sideways(page: Page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0: it does not)."""
    return int(page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def report_markers(page: Page) -> int:
    page.wait_for_function("() => document.getElementById('map-status').textContent !== ''")
    return page.locator("path.report-marker").count()


def test_the_map_shows_markers_for_visible_reports_and_none_for_a_hidden_one(
    chromium: Browser, site: Site
) -> None:
    page = phone(chromium)
    page.goto(site.url + "/")
    assert report_markers(page) == 2
    receipts = page.evaluate("""() => {
        const found = [];
        window.publicMap.layer.eachLayer(l => found.push(l.getPopup().getContent().textContent));
        return found.join(' ');
    }""")
    assert site.world.shown in receipts and site.world.other in receipts
    assert site.world.hidden not in receipts and site.world.hidden not in page.content()
    page.locator("path.report-marker").last.click()  # the one drawn on top
    page.get_by_role("link", name="通報を開く").first.wait_for()
    page.select_option("#f-kind", "park")
    page.click("form.filters button")
    page.wait_for_url("**/?kind=park&status=&ward=")
    assert report_markers(page) == 0


def test_a_report_page_shows_the_answer_and_a_published_photo_never_an_unpublished_one(
    chromium: Browser, site: Site
) -> None:
    world = site.world
    page = phone(chromium)
    page.goto(f"{site.url}/r/{world.shown}")
    assert page.locator("#public-answer").text_content() == ANSWER
    images = page.locator(".photos img")
    assert images.count() == 2  # the published photo and the after-repair photo
    for n in range(images.count()):
        images.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=images.nth(n).element_handle())  # fmt: skip
    html = page.content()
    assert world.published_thumb in html
    assert world.unpublished_key not in html and world.unpublished_thumb not in html
    for key in (world.unpublished_key, world.unpublished_thumb):
        found = requests.get(f"{site.url}/r/{world.shown}/photos/{key}", timeout=10)
        assert found.status_code == 404
    assert requests.get(f"{site.url}/r/{world.hidden}", timeout=10).status_code == 404


def pin(page: Page, point: tuple[float, float]) -> None:
    """Put the pin by a tap on the map, centred on the point first."""
    page.evaluate("""([lat, lon]) => {
        const map = window.publicForm.map;
        map.stop();  // an animation still running (the phone's location) would move it on
        map.setView([lat, lon], 16, {animate: false});
    }""", [point[1], point[0]])  # fmt: skip
    box = page.locator("#pin-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def staff_status(site: Site, receipt: str, status: str) -> None:
    """Change a report's status as staff do, through the dashboard's form."""
    staff = requests.Session()
    login = staff.get(f"{site.url}/staff/login", timeout=10)
    staff.post(f"{site.url}/staff/login", timeout=10, data={
        "login": "tanaka", "password": PASSWORD, "csrf_token": csrf_token(login.text)})
    found = staff.get(f"{site.url}/staff/", params={"receipt": receipt}, timeout=10)
    assert "/staff/reports/" in found.url
    changed = staff.post(f"{found.url.split('?')[0]}/status", timeout=10, data={
        "status": status, "csrf_token": csrf_token(found.text)})
    assert changed.status_code == 200


def test_the_web_form_files_a_report_from_a_phone_and_the_link_shows_staff_changes(
    chromium: Browser, site: Site
) -> None:
    photo = site.tmp / "IMG_0420.jpg"
    photo.write_bytes(jpeg(7, (1200, 900)))
    page = phone(chromium, geolocation={"longitude": KITA[0], "latitude": KITA[1]},
                 permissions=["geolocation"])  # fmt: skip
    page.goto(site.url + "/report")
    # The phone's location fills the place in.
    page.click("#use-location")
    page.wait_for_function("() => document.getElementById('lat').value !== ''")
    assert abs(float(page.input_value("#lon")) - KITA[0]) < 0.0001
    # A pin in Kurashiki is refused, naming it.
    page.select_option("#kind", "road.pothole")
    page.set_input_files("#photos", str(photo))
    pin(page, KURASHIKI)
    assert abs(float(page.input_value("#lon")) - KURASHIKI[0]) < 0.001, page.input_value("#lon")
    page.check("#consent")
    page.click("form.report-form button[type=submit]")
    page.wait_for_load_state()
    assert "この地点は倉敷市で、岡山市の外です。" in page.locator(".place .error").text_content()
    # A pin in Kita ward is taken.
    page.set_input_files("#photos", str(photo))
    page.check("#consent")
    pin(page, KITA)
    assert abs(float(page.input_value("#lat")) - KITA[1]) < 0.001
    page.fill("#note", "歩道に深い穴")
    page.click("form.report-form button[type=submit]")
    page.get_by_role("heading", name="通報内容の確認").wait_for()
    assert "道路（穴・陥没）" in page.content() and "1 枚" in page.content()
    assert sideways(page) <= 0
    page.click("text=この内容で通報する")
    receipt = page.locator("#receipt").text_content() or ""
    link = page.locator("#status-link").get_attribute("href") or ""
    assert receipt and "/report/status/" in link
    assert sideways(page) <= 0  # the long link wraps
    page.goto(link)
    assert page.locator("#current-status").text_content() == "受付"
    assert sideways(page) <= 0
    staff_status(site, receipt, "in_progress")
    page.reload()
    assert page.locator("#current-status").text_content() == "対応中"


PAGES = ["/", "/report", "/data", "/r/{shown}"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_public_page_scrolls_sideways_on_a_phone_or_has_serious_axe_violations(
    chromium: Browser, site: Site, axe_source: str, language: str
) -> None:
    page = phone(chromium, language)
    choose(page, site, language)
    for path in PAGES:
        page.goto(site.url + path.format(shown=site.world.shown))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language
        assert sideways(page) <= 0, path
        page.evaluate(axe_source + "\n;0")
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        assert result["testEngine"]["version"] == "4.14.1"
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in SERIOUS
        ]
        assert serious == [], (path, language, serious)


def test_keyboard_users_reach_the_form_and_the_map_list(chromium: Browser, site: Site) -> None:
    page = phone(chromium)
    page.goto(site.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    link = page.get_by_role("link", name=site.world.shown)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/r/{site.world.shown}")
