"""The staff report list, a report's page, its photos, and the triage actions on it."""

import json
import re
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from html import escape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporting import reports
from reporting.db import db
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import Resident
from tests.conftest import AppFactory
from tests.reporting.line_world import KITA
from tests.reporting.line_world import drain
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form

USER = "U" + "7" * 32
YESTERDAY = datetime.now(UTC) - timedelta(days=1)
# Degrees of latitude per metre, near enough at Okayama's latitude.
PER_METRE = 1 / 111_320
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform) -> Flask:
    application = make_app(fresh_areas_db_url, **line_config(platform))
    add_user(application, "tanaka", "staff")
    add_user(application, "yamada", "viewer")
    return application


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "tanaka")
    return client


def seed(
    app: Flask,
    category: str = "road",
    north_m: float = 0,
    note: str | None = None,
    resident: bool = False,
    created: datetime = YESTERDAY,
) -> int:
    with app.app_context():
        session = db.session()
        resident_id = None
        if resident:
            person = Resident(line_user_id=USER, language="ja")
            session.add(person)
            session.flush()
            resident_id = person.id
        report = reports.create_report(
            session,
            category=category,
            subcategory=None,
            lon=KITA[0],
            lat=KITA[1] + north_m * PER_METRE,
            now=created,
            note=note,
            resident_id=resident_id,
        )
        session.commit()
        return report.id


def receipt(app: Flask, report_id: int) -> str:
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report is not None
        return report.receipt_number


def events(app: Flask, report_id: int) -> list[tuple[str, str | None]]:
    with app.app_context():
        found = db.session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)
        )
        return [(e.action, e.to_status) for e in found]


def test_the_list_filters_pages_and_counts(app: Flask, staff: FlaskClient) -> None:
    for _ in range(51):
        seed(app)
    park = seed(app, category="park")
    page = staff.get("/staff/reports").text
    assert "53 件" not in page and "52件" in page.replace(" ", "")
    assert page.count('id="report-') == 50
    assert "1 / 2" in page or "2 ページ中 1" in page
    assert staff.get("/staff/reports?page=2").text.count('id="report-') == 2
    only_park = staff.get("/staff/reports?category=park").text
    assert only_park.count('id="report-') == 1 and f'id="report-{park}"' in only_park
    assert 'id="report-' not in staff.get("/staff/reports?status=resolved").text
    by_receipt = staff.get(f"/staff/reports?receipt={receipt(app, park)}").text
    assert by_receipt.count('id="report-') == 1
    assert staff.get("/staff/reports?ward=33101").text.count('id="report-') == 50
    assert 'id="report-' not in staff.get("/staff/reports?ward=33102").text
    assert 'id="report-' not in staff.get("/staff/reports?from=2000-01-01&to=2000-01-02").text
    assert staff.get("/staff/reports?category=nonsense").status_code == 400
    assert staff.get("/staff/reports?status=nonsense").status_code == 400
    # "park" sorts before "road": first of 52 going up, on the second page going down.
    ascending = staff.get("/staff/reports?sort=category&dir=asc").text
    assert ascending.index(f'id="report-{park}"') == ascending.index('id="report-')
    assert f'id="report-{park}"' not in staff.get("/staff/reports?sort=category").text


def test_user_text_is_escaped_and_the_line_id_never_shown(app: Flask, staff: FlaskClient) -> None:
    report_id = seed(app, note=SCRIPT + ATTRIBUTE, resident=True)
    for page in (staff.get("/staff/reports").text, staff.get(f"/staff/reports/{report_id}").text):
        assert SCRIPT not in page and "<img src=x" not in page
        assert escape(SCRIPT) in page
        assert USER not in page
    page = staff.get(f"/staff/reports/{report_id}").text
    assert escape("<img src=x onerror=alert(1)>") in page
    assert "通報者 #" in page


def test_photos_are_served_only_to_signed_in_staff(app: Flask, staff: FlaskClient) -> None:
    report_id = seed(app)
    store = app.extensions["tsuho.photos"]
    big, small = store.put(b"\xff\xd8 full photo"), store.put(b"\xff\xd8 thumbnail")
    with app.app_context():
        db.session.add(
            Photo(report_id=report_id, content_hash=big, size_bytes=13, width=4, height=3,
                  storage_key=big, thumbnail_key=small)
        )
        db.session.commit()
    page = staff.get(f"/staff/reports/{report_id}").text
    assert f'src="/staff/photos/{small}"' in page and f'href="/staff/photos/{big}"' in page
    with staff.get(f"/staff/photos/{small}") as response:
        assert response.data == b"\xff\xd8 thumbnail"
        assert response.mimetype == "image/jpeg"
        assert "private" in response.headers["Cache-Control"]
        assert "public" not in response.headers["Cache-Control"]
    assert staff.get("/staff/photos/" + "0" * 64).status_code == 404
    assert staff.get("/staff/photos/..%2Fsecret").status_code == 404
    assert staff.get("/staff/photos/not-a-key").status_code == 404
    anonymous = app.test_client().get(f"/staff/photos/{small}")
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]


def test_possible_duplicates_are_near_open_and_of_the_same_category(
    app: Flask, staff: FlaskClient
) -> None:
    report_id = seed(app)
    near = seed(app, north_m=30)
    far = seed(app, north_m=80)
    other = seed(app, category="park", north_m=10)
    old = seed(app, north_m=5, created=datetime.now(UTC) - timedelta(days=120))
    same = seed(app, north_m=2)
    page = staff.get(f"/staff/reports/{report_id}").text
    start = page.index('id="possible-duplicates"')
    section = page[start : page.index("</section>", start)]
    assert f"/staff/reports/{near}\"" in section
    assert "約 30 m" in section
    assert f"/staff/reports/{same}\"" in section and "同じ地点" in section
    for absent in (far, other, old):
        assert f"/staff/reports/{absent}\"" not in section


def test_a_status_change_is_audited_and_pushed_to_the_resident(
    app: Flask, staff: FlaskClient, platform: FakeLinePlatform
) -> None:
    report_id = seed(app, resident=True)
    page = f"/staff/reports/{report_id}"
    response = post_form(
        staff, f"{page}/status", {"status": "in_progress", "note": "補修班", "notify": "1"}, page
    )
    assert response.status_code == 302
    assert "状態を「対応中」に変更しました。" in staff.get(page).text
    assert events(app, report_id)[-1] == ("status", "in_progress")
    drain(app)
    (push,) = platform.sent_to(USER)
    assert push.channel == "push"


def test_each_action_changes_the_report_and_is_audited(app: Flask, staff: FlaskClient) -> None:
    original = seed(app)
    report_id = seed(app, resident=True)
    page = f"/staff/reports/{report_id}"

    def act(name: str, **data: str) -> None:
        assert post_form(staff, f"{page}/{name}", data, page).status_code == 302

    act("department", department="道路維持課")
    act("priority", priority="3")
    act("hide", reason="privacy")
    assert f'id="report-{report_id}"' not in staff.get("/staff/reports").text
    hidden = staff.get("/staff/reports?hidden=1").text
    assert f'id="report-{report_id}"' in hidden and "非表示" in hidden
    act("unhide")
    act("block", reason="いたずら")
    with app.app_context():
        report = db.session.get(Report, report_id)
        resident = db.session.get(Resident, report.resident_id)
        assert (report.department, report.priority, report.hidden) == ("道路維持課", 3, False)
        assert (resident.blocked, resident.blocked_reason) == (True, "いたずら")
    act("unblock")
    act("duplicate", receipt=receipt(app, original))
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.status, report.duplicate_of_id) == ("duplicate", original)
        assert not db.session.get(Resident, report.resident_id).blocked
    assert [action for action, _ in events(app, report_id)] == [
        "created", "department", "priority", "hide", "unhide", "block", "unblock", "status"
    ]
    referred = seed(app)
    page = f"/staff/reports/{referred}"
    act("refer", manager="national", note="国道2号")
    with app.app_context():
        report = db.session.get(Report, referred)
        assert report.status == "referred"
        event = db.session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == referred).order_by(ReportEvent.id)
        ).all()[-1]
        assert (event.note, event.data["manager"]) == ("国道2号", "national")


def test_a_refused_action_changes_nothing(app: Flask, staff: FlaskClient) -> None:
    report_id = seed(app)
    page = f"/staff/reports/{report_id}"
    post_form(staff, f"{page}/duplicate", {"receipt": "no-such"}, page)
    assert "その受付番号の通報はありません。" in staff.get(page).text
    post_form(staff, f"{page}/priority", {"priority": "9"}, page)
    assert events(app, report_id) == [("created", "new")]


def test_viewers_may_not_act_and_forms_need_the_csrf_token(app: Flask, staff: FlaskClient) -> None:
    report_id = seed(app, resident=True)
    page = f"/staff/reports/{report_id}"
    viewer = app.test_client()
    log_in(viewer, "yamada")
    assert viewer.get(page).status_code == 200
    for name in ("status", "department", "priority", "duplicate", "refer", "hide", "unhide",
                 "block", "unblock"):
        assert post_form(viewer, f"{page}/{name}", {"status": "resolved"}, page).status_code == 403
    assert staff.post(f"{page}/priority", data={"priority": "2"}).status_code == 400
    assert events(app, report_id) == [("created", "new")]


def set_status(app: Flask, report_id: int, status: str, hidden: bool = False) -> None:
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report is not None
        report.status, report.hidden = status, hidden
        db.session.commit()


def listed(page: str) -> list[int]:
    """The report ids of a list page's rows, in order."""
    return [int(n) for n in re.findall(r'<tr id="report-(\d+)"', page)]


def test_statuses_combine_open_groups_three_and_hidden_reports_are_apart(
    app: Flask, staff: FlaskClient
) -> None:
    ids = {status: seed(app) for status in ("new", "acknowledged", "in_progress", "resolved")}
    for status, report_id in ids.items():
        set_status(app, report_id, status)
    hidden = seed(app)
    set_status(app, hidden, "new", hidden=True)
    opened = staff.get("/staff/reports?status=open").text
    assert sorted(listed(opened)) == sorted(ids[s] for s in ("new", "acknowledged", "in_progress"))
    both = staff.get("/staff/reports?status=new&status=resolved").text
    assert sorted(listed(both)) == sorted([ids["new"], ids["resolved"]])
    assert sorted(listed(staff.get("/staff/reports?status=new,resolved").text)) == sorted(
        listed(both)
    )
    # The hidden report counts in neither "received" nor the open group, only as hidden.
    assert re.search(r"受付</span> <span class=\"count\">1<", opened)
    assert re.search(r"未完了 <span class=\"count\">3<", opened)
    assert re.search(r"非表示 <span class=\"count\">1<", opened)
    assert listed(staff.get("/staff/reports?hidden=1").text) == [hidden]
    # A receipt number finds its report, hidden or not.
    with app.app_context():
        number = db.session.get(Report, hidden).receipt_number
    assert listed(staff.get(f"/staff/reports?receipt={number}").text) == [hidden]


def test_the_report_page_places_the_report_and_keeps_the_list_around_it(
    app: Flask, staff: FlaskClient
) -> None:
    now = datetime.now(UTC)
    older, middle, newer = (seed(app, created=now - timedelta(hours=h)) for h in (3, 2, 1))
    park = seed(app, category="park", created=now - timedelta(minutes=90))
    page = staff.get(f"/staff/reports/{middle}?category=road&sort=created").text
    # Newest first, parks filtered out: newer, middle, older.
    assert f'rel="prev" href="/staff/reports/{newer}?category=road"' in page
    assert f'rel="next" href="/staff/reports/{older}?category=road"' in page
    assert 'href="/staff/reports?category=road" data-key="u"' in page
    assert f"/staff/reports/{park}" not in page.split('id="possible-duplicates"')[0]
    # Its coordinates, to copy or open in a map app, and the pin's data for the map.
    point = f"{KITA[1]:.6f},{KITA[0]:.6f}"
    assert f'<code id="coordinates">{point}</code>' in page
    assert f'href="geo:{point}"' in page
    data = json.loads(re.search(r'id="report-map-data">(.*?)</script>', page).group(1))
    assert (data["lon"], data["lat"]) == pytest.approx(KITA)
    assert data["outline"] == "/staff/areas/33101/outline.json"
    assert {n["id"] for n in data["nearby"]} == {newer, older, park}
    outline = staff.get(data["outline"])
    assert outline.get_json()["features"][0]["id"] == "33101"
    assert "private" in outline.headers["Cache-Control"]
    assert staff.get("/staff/areas/99999/outline.json").status_code == 404
    # An action returns to the page with the list's filters.
    answer = post_form(staff, f"/staff/reports/{middle}/priority?category=road",
                       {"priority": "2"}, f"/staff/reports/{middle}")  # fmt: skip
    assert answer.headers["Location"] == f"/staff/reports/{middle}?category=road"
    assert staff.get(f"/staff/reports/{middle}?status=nonsense").status_code == 400


def test_the_neighbours_follow_the_sort_and_its_direction(app: Flask, staff: FlaskClient) -> None:
    first, second, third = seed(app), seed(app), seed(app)
    for report_id, priority in ((first, 2), (second, 0), (third, 2)):
        with app.app_context():
            db.session.get(Report, report_id).priority = priority
            db.session.commit()
    # Priority going down, ties newest first (the highest id): third, first, second.
    page = staff.get(f"/staff/reports/{first}?sort=priority").text
    assert f'rel="prev" href="/staff/reports/{third}?sort=priority"' in page
    assert f'rel="next" href="/staff/reports/{second}?sort=priority"' in page
    order = listed(staff.get("/staff/reports?sort=priority").text)
    assert order == [third, first, second]
    assert listed(staff.get("/staff/reports?sort=priority&dir=asc").text) == order[::-1]
    last = staff.get(f"/staff/reports/{second}?sort=priority").text
    assert 'rel="next"' not in last


def test_the_history_speaks_in_words(app: Flask, staff: FlaskClient) -> None:
    report_id = seed(app, resident=True)
    page = f"/staff/reports/{report_id}"
    post_form(staff, f"{page}/priority", {"priority": "3"}, page)
    post_form(staff, f"{page}/department", {"department": "道路維持課"}, page)
    post_form(staff, f"{page}/hide", {"reason": "privacy"}, page)
    post_form(staff, f"{page}/status", {"status": "acknowledged", "note": "現地確認へ"}, page)
    text = staff.get(page).text
    history = text[text.index('class="history"') : text.index("</ol>")]
    for words in ("優先度の変更", "なし → 緊急", "所属の変更", "なし → 道路維持課", "非表示",
                  "理由: プライバシー", "状態の変更", "受付 → 確認済み", "通知なし",
                  "メモ: 現地確認へ", "通報者"):  # fmt: skip
        assert words in history, words
    for code in ("<code>", "priority", "hide", "acknowledged", "privacy"):
        assert code not in history, code
