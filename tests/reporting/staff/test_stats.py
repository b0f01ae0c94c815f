"""The stats page for a period: counts, overdue reports, answer times and the CSV files."""

import csv
import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting import reports
from reporting.db import db
from reporting.models import Report
from tests.conftest import AppFactory
from tests.reporting.line_world import KITA
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token
from tests.reporting.staff_browser import log_in

NOW = datetime.now(UTC)
# Inside Okayama's Minami ward.
MINAMI = (133.9200, 34.6000)


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_areas_db_url)
    add_user(application, "tanaka", "staff")
    return application


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "tanaka")
    return client


def seed(
    app: Flask,
    *,
    days_ago: float,
    status: str = "new",
    subcategory: str | None = "pothole",
    point: tuple[float, float] = KITA,
    acknowledged_after: float | None = None,
    resolved_after: float | None = None,
    hidden: bool = False,
) -> None:
    created = NOW - timedelta(days=days_ago)
    with app.app_context():
        report = reports.create_report(
            db.session(), category="road", subcategory=subcategory, lon=point[0], lat=point[1],
            now=created,
        )  # fmt: skip
        report.status, report.hidden = status, hidden
        if acknowledged_after is not None:
            report.acknowledged_at = created + timedelta(days=acknowledged_after)
        if resolved_after is not None:
            report.resolved_at = created + timedelta(days=resolved_after)
        db.session.commit()


def table(staff: FlaskClient, name: str, query: str = "") -> list[list[str]]:
    answer = staff.get(f"/staff/stats/{name}.csv{query}")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.data.startswith("\ufeff".encode())
    assert b"\r\n" in answer.data
    return list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))


def test_counts_overdue_and_times_of_a_period(app: Flask, staff: FlaskClient) -> None:
    for days in (1, 3, 5, 7, 9):
        seed(app, days_ago=30, status="resolved", acknowledged_after=days / 10,
             resolved_after=days)  # fmt: skip
    seed(app, days_ago=20, status="in_progress", subcategory="crack", point=MINAMI,
         acknowledged_after=2)  # fmt: skip
    seed(app, days_ago=2, status="new", subcategory=None)
    seed(app, days_ago=20, status="new", hidden=True)
    seed(app, days_ago=400, status="new")
    page = staff.get("/staff/stats").text
    assert 'id="total">8<' in page
    # Open longer than the profile's 14 days: the one in progress and the year-old one.
    assert 'id="overdue">2<' in page
    assert "非表示の通報は数えていません（この期間に 1 件）。" in page
    times = dict((row[0], row[1:]) for row in table(staff, "times"))
    assert times["対応完了までの日数"] == ["5.0", "8.2", "5"]
    assert times["確認までの日数"][2] == "6"
    kinds = table(staff, "kind")
    assert kinds[0] == ["種別", "詳細", "件数"]
    assert ["道路", "穴・陥没", "6"] in kinds and ["道路", "ひび割れ・段差", "1"] in kinds
    assert ["道路", "（なし）", "1"] in kinds
    wards = {row[0]: row[1:] for row in table(staff, "ward")}
    assert wards["区"][-2:] == ["合計", "期限超過"]
    assert wards["岡山市北区"] == ["2", "0", "0", "5", "0", "0", "0", "7", "1"]
    assert wards["岡山市南区"] == ["0", "0", "1", "0", "0", "0", "0", "1", "1"]

    # The last 60 days: the year-old report and its overdue count leave.
    since = (NOW - timedelta(days=60)).date().isoformat()
    recent = staff.get(f"/staff/stats?from={since}").text
    assert 'id="total">7<' in recent and 'id="overdue">1<' in recent
    statuses = dict(table(staff, "status", f"?from={since}")[1:])
    assert statuses["対応完了"] == "5" and statuses["受付"] == "1"
    assert sum(int(n) for _, n in table(staff, "month", f"?from={since}")[1:]) == 7


def test_the_chart_and_the_page_speak_english_too(app: Flask, staff: FlaskClient) -> None:
    seed(app, days_ago=1)
    token = csrf_token(staff.get("/staff/stats").text)
    staff.post("/staff/language", data={"lang": "en", "csrf_token": token})
    page = staff.get("/staff/stats").text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
    assert "received" in page and "Days to resolve" in page
    assert table(staff, "status")[0] == ["Status", "Number of reports"]


def test_a_bad_period_or_table_is_refused(staff: FlaskClient) -> None:
    assert staff.get("/staff/stats?from=yesterday").status_code == 400
    assert staff.get("/staff/stats?from=2026-12-01&to=2026-11-01").status_code == 400
    assert staff.get("/staff/stats/status.csv?to=2026-13-01").status_code == 400
    assert staff.get("/staff/stats/secrets.csv").status_code == 404


def test_a_spreadsheet_formula_is_never_written(app: Flask, staff: FlaskClient) -> None:
    with app.app_context():
        report = reports.create_report(
            db.session(), category="road", subcategory="=HYPERLINK(1)", lon=KITA[0], lat=KITA[1],
            now=NOW,
        )  # fmt: skip
        db.session.commit()
        assert db.session.get(Report, report.id) is not None
    kinds = table(staff, "kind")
    assert ["道路", "'=HYPERLINK(1)", "1"] in kinds
