"""The staff map in a real browser: Debian's Chromium driven by Playwright against gunicorn."""

from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine
from sqlalchemy import pool
from sqlalchemy.orm import Session

from reporting import accounts
from reporting import reports
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.models import Resident
from tests.processes import gunicorn
from tests.processes import worker
from tests.reporting.line_world import KITA
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery staple"
USER = "U" + "5" * 32
# A transparent pixel: every tile, with no request leaving the machine.
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
Point = tuple[float, float]
# Two groups of reports on one parallel, 7 km apart, a hidden report in each. The view at zoom
# 12 at KITA, the city's centre, holds both groups, more than LIMIT; two levels in at the west
# group it holds those alone, 117 pixels apart, no cluster of MarkerCluster's 80.
WEST = [(KITA[0] + dx, KITA[1]) for dx in (0, 0.01, 0.02)]
EAST = [(KITA[0] + dx, KITA[1]) for dx in (0.1, 0.105, 0.11, 0.115)]
HIDDEN = [(KITA[0] + 0.005, KITA[1]), (KITA[0] + 0.1025, KITA[1])]
LIMIT = 5


@dataclass
class Site:
    url: str
    platform: FakeLinePlatform
    report_ids: list[int]


def _seed(db_url: str, points: list[Point], hidden: Sequence[Point] = ()) -> list[int]:
    """Add the staff account, a report at each point and a hidden one at each ``hidden`` point.

    The first report's note is XSS; the ids returned are the shown reports', in order.
    """
    engine = create_engine(db_url, poolclass=pool.NullPool)
    ids = []
    with Session(engine) as session:
        accounts.create_user(session, "tanaka", PASSWORD, "staff")
        person = Resident(line_user_id=USER, language="ja", consent_version="2026-11-01")
        session.add(person)
        session.flush()
        for i, (lon, lat) in enumerate([*points, *hidden]):
            report = reports.create_report(
                session, category="road" if i % 3 else "park", subcategory=None,
                lon=lon, lat=lat, now=datetime.now(UTC),
                note=XSS if i == 0 else None, resident_id=person.id,
            )
            if i < len(points):
                ids.append(report.id)
            else:
                report.hidden, report.hidden_reason = True, "privacy"
        session.commit()
    engine.dispose()
    return ids


@contextmanager
def serving(db_url: str, tmp_path: Path, ids: list[int], **settings: str) -> Iterator[Site]:
    """Serve the app and run its worker on the database, ``settings`` added to their environment."""
    with line_platform() as platform:
        env = {
            "DATABASE_URL": db_url,
            "PHOTO_DIR": str(tmp_path / "photos"),
            "SECRET_KEY": "e2e",
            "MAP_TILES_URL": BLANK_TILE,
            **{k: str(v) for k, v in line_config(platform).items()},
            **settings,
        }
        jobs = worker(env, tmp_path / "worker.log")
        try:
            with gunicorn(env, tmp_path / "server.log") as url:
                yield Site(url, platform, ids)
        finally:
            jobs.stop()


@pytest.fixture
def site(fresh_areas_db_url: str, tmp_path: Path) -> Iterator[Site]:
    ids = _seed(fresh_areas_db_url, [(KITA[0] + i * 0.0005, KITA[1]) for i in range(12)])
    with serving(fresh_areas_db_url, tmp_path, ids) as served:
        yield served


@pytest.fixture
def crowded_site(fresh_areas_db_url: str, tmp_path: Path) -> Iterator[Site]:
    """WEST and EAST shown, more than the site's marker limit; HIDDEN hidden."""
    ids = _seed(fresh_areas_db_url, WEST + EAST, HIDDEN)
    with serving(fresh_areas_db_url, tmp_path, ids, MAP_MARKER_LIMIT=str(LIMIT)) as served:
        yield served


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/staff/login")
    page.fill("input[name=login]", "tanaka")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{url}/staff/")


def markers(page: Page) -> int:
    """How many report markers the map's cluster group holds."""
    return int(page.evaluate("""() => {
        const s = JSON.parse(document.getElementById('map-settings').textContent);
        return window[s.cluster].getLayers().length;
    }"""))


def test_staff_work_the_map_in_a_browser(site: Site, browser: Browser) -> None:
    page = browser.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # The Content-Security-Policy blocks nothing the pages need (the map's script has a nonce).
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, site.url)

    page.wait_for_selector(".map-cluster, path.leaflet-interactive", timeout=15_000)
    notice_says(page, "12")
    assert markers(page) == 12
    assert refused == []

    # The note's markup shows as text in the popup, and runs nothing.
    page.evaluate("""(id) => {
        const s = JSON.parse(document.getElementById('map-settings').textContent);
        const group = window[s.cluster];
        const target = group.getLayers().find(m => m.feature.id === id);
        window[s.map].setView(target.getLatLng(), 18, {animate: false});
    }""", site.report_ids[0])
    page.wait_for_timeout(1500)
    page.evaluate("""(id) => {
        const s = JSON.parse(document.getElementById('map-settings').textContent);
        window[s.cluster].getLayers().find(m => m.feature.id === id).openPopup();
    }""", site.report_ids[0])
    page.wait_for_selector(".map-popup .note", timeout=10_000)
    assert page.locator(".map-popup .note").text_content() == XSS
    assert page.locator(".map-popup img[src=x], .map-popup script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []

    # A status filter narrows the markers (all are new: "resolved" shows none).
    page.check(".map-filters input[name=status][value=resolved]")
    with page.expect_navigation():
        page.click(".map-filters button[type=submit]")
    notice_says(page, "0")
    assert markers(page) == 0

    # Open a report, resolve it, and the resident hears about it through LINE.
    page.goto(f"{site.url}/staff/reports/{site.report_ids[1]}")
    page.select_option("#a-status", "resolved")
    notify = page.locator("#a-status-notify")
    if notify.count() and not notify.is_checked():
        notify.check()
    page.click("form[action$='/status'] button[type=submit]")
    page.wait_for_load_state()
    sent = site.platform.wait_for_messages(USER, 1, timeout=30)
    assert sent

    for url in requests:
        assert url.startswith(site.url) or url.startswith("data:"), url


def test_a_crowded_view_shows_counts_per_cell_until_zoomed_in(
    crowded_site: Site, browser: Browser
) -> None:
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, crowded_site.url)

    # The first view holds the whole service area; at zoom 12 at the centre, both groups.
    page.wait_for_selector(".map-cell", timeout=15_000)
    assert zoom(page) < 12
    with page.expect_response(lambda r: "count.json" in r.url and "zoom=12" in r.url):
        page.evaluate("""(at) => {
            const s = JSON.parse(document.getElementById('map-settings').textContent);
            window[s.map].setView([at[1], at[0]], 12, {animate: false});
        }""", list(KITA))
    # More than the limit: counts per grid cell, hidden reports left out, nothing fetched.
    page.wait_for_function("() => document.querySelectorAll('.map-cell').length >= 2")
    notice_says(page, str(len(WEST + EAST)))
    cells = page.locator(".map-cell")
    assert sum(int(n) for n in cells.all_text_contents()) == len(WEST + EAST)
    assert cells.count() >= 2
    assert markers(page) == 0
    assert not [url for url in requests if "/api/reports.geojson" in url]

    # A click on the westmost cell zooms in two levels, where the west group alone is in view.
    before = zoom(page)
    min(cells.all(), key=lambda c: c.bounding_box()["x"]).click()  # type: ignore[index]
    notice_says(page, str(len(WEST)))
    assert zoom(page) == before + 2
    assert markers(page) == len(WEST)
    assert cells.count() == 0

    # Each is a report's own marker, with its popup.
    page.locator("path.leaflet-interactive").first.click()
    page.wait_for_selector(".map-popup p a", timeout=10_000)
    link = page.locator(".map-popup p a").first.get_attribute("href")
    assert link in [f"/staff/reports/{i}" for i in crowded_site.report_ids[: len(WEST)]]

    for url in requests:
        assert url.startswith(crowded_site.url) or url.startswith("data:"), url


def zoom(page: Page) -> int:
    """The map's zoom level."""
    return int(page.evaluate("""() => {
        const s = JSON.parse(document.getElementById('map-settings').textContent);
        return window[s.map].getZoom();
    }"""))


def notice_says(page, text: str) -> None:  # noqa: ANN001
    """Wait for the map's notice to mention text; the page may still be loading."""
    page.wait_for_function(
        "(t) => { const n = document.getElementById('map-notice');"
        " return n !== null && n.textContent.includes(t); }",
        arg=text,
    )
