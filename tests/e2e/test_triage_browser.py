"""Triage in a real browser: Debian's Chromium, gunicorn, the worker and the fake LINE Platform.

One site serves the module's tests: reports of four residents in Kita ward, one of them a park.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image
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
from tests.conftest import Databases
from tests.e2e.test_staff_browser import ARGS
from tests.e2e.test_staff_browser import CHROMIUM
from tests.e2e.test_staff_browser import PASSWORD
from tests.e2e.test_staff_browser import serving
from tests.reporting.line_world import KITA

pytestmark = pytest.mark.slow

PUBLIC = "https://tsuho.example.jp"
USERS = ["U" + str(n) * 32 for n in range(1, 7)]
# Degrees of latitude per metre, near enough here.
PER_METRE = 1 / 111_320


@dataclass
class Site:
    url: str
    platform: FakeLinePlatform
    ids: list[int]  # newest first, as the list shows them; USERS[i] sent ids[i]
    points: dict[int, tuple[float, float]]
    park: int
    tmp: Path


def _seed(db_url: str) -> tuple[list[int], dict[int, tuple[float, float]], int]:
    """Six road reports 40 m apart, each from its own resident, and a park report."""
    engine = create_engine(db_url, poolclass=pool.NullPool)
    now = datetime.now(UTC)
    points: dict[int, tuple[float, float]] = {}
    with Session(engine) as session:
        accounts.create_user(session, "tanaka", PASSWORD, "admin")
        for i, user in enumerate(USERS):
            person = Resident(line_user_id=user, language="ja", consent_version="2026-11-01")
            session.add(person)
            session.flush()
            point = (KITA[0], KITA[1] + 40 * i * PER_METRE)
            report = reports.create_report(
                session, category="road", subcategory="pothole", lon=point[0], lat=point[1],
                now=now - timedelta(hours=i), resident_id=person.id,
                address="岡山県岡山市北区大供" if i == 0 else None,
            )  # fmt: skip
            points[report.id] = point
        park = reports.create_report(
            session, category="park", subcategory="bench", lon=KITA[0] + 0.001, lat=KITA[1],
            now=now - timedelta(minutes=30),
        )  # fmt: skip
        session.commit()
        park_id = park.id
    engine.dispose()
    return sorted(points), points, park_id


@pytest.fixture(scope="module")
def site(
    databases: Databases, areas_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    name = databases.create(template=areas_template)
    url = databases.url(name)
    ids, points, park = _seed(url)
    tmp = tmp_path_factory.mktemp("triage")
    try:
        with serving(url, tmp, ids, TSUHO_PUBLIC_URL=PUBLIC) as served:
            yield Site(served.url, served.platform, ids, points, park, tmp)
    finally:
        databases.drop(name)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def signed_in(chromium: Browser, site: Site, **context: object) -> Page:
    page = chromium.new_context(**context).new_page()  # type: ignore[arg-type]
    page.goto(f"{site.url}/staff/login")
    page.fill("input[name=login]", "tanaka")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{site.url}/staff/")
    return page


def status_of(site: Site, report_id: int, page: Page) -> str:
    """The report's status as its page shows it."""
    page.goto(f"{site.url}/staff/reports/{report_id}")
    return page.locator("#current-status").text_content() or ""


def test_keyboard_triage_keeps_the_list_and_tells_the_resident_what_staff_wrote(
    site: Site, chromium: Browser
) -> None:
    page = signed_in(chromium, site)
    listed = f"{site.url}/staff/reports?status=open&category=road"
    page.goto(listed)
    first, second = site.ids[0], site.ids[1]

    # Open the first report with the keyboard alone: j to its row, Enter to open.
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site.url}/staff/reports/{first}?status=open&category=road"
    # Its map holds the pin exactly where the report is.
    page.wait_for_selector("#report-map .leaflet-marker-icon")
    pinned = page.evaluate("""() => {
        const map = document.getElementById('report-map').leafletMap;
        const pin = document.querySelector('#report-map .leaflet-marker-icon');
        const box = pin.getBoundingClientRect(), frame = map.getContainer().getBoundingClientRect();
        // Leaflet's default pin points at its bottom centre.
        const at = map.containerPointToLatLng([box.left + box.width / 2 - frame.left,
                                               box.bottom - frame.top]);
        return [at.lng, at.lat];
    }""")
    lon, lat = site.points[first]
    assert pinned[0] == pytest.approx(lon, abs=2e-5) and pinned[1] == pytest.approx(lat, abs=2e-5)
    assert page.locator("#coordinates").text_content() == f"{lat:.6f},{lon:.6f}"

    # j goes on to the next report of the same list, k back.
    with page.expect_navigation():
        page.keyboard.press("j")
    assert page.url == f"{site.url}/staff/reports/{second}?status=open&category=road"
    with page.expect_navigation():
        page.keyboard.press("k")
    assert page.url == f"{site.url}/staff/reports/{first}?status=open&category=road"

    # 4 chooses "resolved", m moves to the message: the standard one, edited here.
    page.keyboard.press("4")
    assert page.locator("#a-status").input_value() == "resolved"
    assert page.locator("#a-status-notify").is_checked()
    page.keyboard.press("m")
    written = "本日、穴を埋めました。\nご連絡ありがとうございました。"
    page.keyboard.press("Control+a")
    page.keyboard.type(written)
    assert page.locator("[data-preview=status]").text_content() == written
    page.keyboard.press("Escape")
    page.keyboard.press("4")  # the status again, and on to the save button
    assert page.evaluate("document.activeElement.id") == "a-status-save"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site.url}/staff/reports/{first}?status=open&category=road"
    assert "「対応完了」に変更しました" in (page.locator(".flashes").text_content() or "")
    (sent,) = site.platform.wait_for_messages(USERS[0], 1, timeout=30)
    assert sent.text == written

    # Resolved, it has left the open reports; its next one is still the list's next, and u
    # returns to the list as it was.
    with page.expect_navigation():
        page.keyboard.press("j")
    assert page.url == f"{site.url}/staff/reports/{second}?status=open&category=road"
    with page.expect_navigation():
        page.keyboard.press("u")
    assert page.url == listed
    assert page.locator(f"#report-{first}").count() == 0  # resolved: no longer open
    assert page.locator(f"#report-{site.park}").count() == 0
    assert page.locator("input[name=status][value=open]").is_checked()
    page.context.close()


def test_bulk_change_and_after_repair_photo_reach_each_resident_once(
    site: Site, chromium: Browser
) -> None:
    page = signed_in(chromium, site)
    chosen = site.ids[2:5]
    users = {USERS[site.ids.index(i)] for i in chosen}
    page.goto(f"{site.url}/staff/reports?category=road")
    for report_id in chosen:
        page.check(f"#report-{report_id} input[name=report]")
    assert page.locator("#bulk-count").text_content() == "3 件を選択中"
    page.select_option("#b-status", "acknowledged")
    page.check("#b-notify")
    with page.expect_navigation():
        page.click("button[name=change][value=status]")
    assert page.url == f"{site.url}/staff/reports?category=road"
    assert "3 件を変更しました。" in (page.locator(".flashes").text_content() or "")
    for user in users:
        (notice,) = site.platform.wait_for_messages(user, 1, timeout=30)
        assert "「確認済み」になりました" in (notice.text or "")
    for report_id in chosen:
        assert status_of(site, report_id, page) == "確認済み"

    # A resolution with the photo taken after the repair: the text, then the image.
    last = site.ids[5]
    user = USERS[5]
    photo = site.tmp / "after.jpg"
    Image.new("RGB", (800, 600), (90, 90, 90)).save(photo, "JPEG")
    page.goto(f"{site.url}/staff/reports/{last}")
    page.select_option("#a-status", "resolved")
    page.set_input_files("#a-photo", str(photo))
    assert page.locator("[data-preview-photo=status]").is_visible()
    with page.expect_navigation():
        page.click("#a-status-save")
    text, image = site.platform.wait_for_messages(user, 2, timeout=30)
    assert "「対応完了」になりました" in (text.text or "")
    assert image.type == "image"
    url = image.message["originalContentUrl"]
    assert url.startswith(PUBLIC + "/line/media/")
    fetched = requests.get(site.url + urlsplit(url).path, timeout=10)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(fetched.content)).size == (800, 600)
    assert page.locator(".report-photos img[alt]").count() == 1
    for other in set(USERS) - users - {USERS[0], user}:
        assert site.platform.sent_to(other) == []
    page.context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_staff_page_scrolls_sideways_on_a_phone(
    site: Site, chromium: Browser, language: str
) -> None:
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    page = chromium.new_context(**phone).new_page()  # type: ignore[arg-type]
    sideways = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    page.goto(f"{site.url}/staff/login")
    assert page.evaluate(sideways), "login"
    page.context.close()
    page = signed_in(chromium, site, **phone)
    if language == "en":
        page.click(".menu-toggle")
        with page.expect_navigation():
            page.click("button[name=lang][value=en]")
    assert page.locator("html").get_attribute("lang") == language
    report = site.ids[1]
    for path in ("/staff/", "/staff/reports", "/staff/reports?status=open&sort=priority",
                 f"/staff/reports/{report}", "/staff/stats", "/staff/admin/users"):  # fmt: skip
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(sideways), path
        # The menu folds the header away; open, it still fits.
        assert not page.locator(".mainnav").is_visible()
        page.click(".menu-toggle")
        assert page.locator(".mainnav").is_visible()
        assert page.evaluate(sideways), f"{path} with the menu open"
    # The map's filters are folded away, leaving the map the screen.
    page.goto(f"{site.url}/staff/")
    assert not page.locator("#f-category").is_visible()
    assert page.locator(".map-wrap").bounding_box()["height"] > 844 * 0.5  # type: ignore[index]
    page.context.close()

