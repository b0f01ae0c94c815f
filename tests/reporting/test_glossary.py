"""One word per status: the dashboard, the stats page and what LINE says all use the glossary's."""

import re
from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting import glossary
from reporting import reports
from reporting.city_profile import load_profile
from reporting.db import db
from reporting.dialogue.conversation import Facts
from reporting.dialogue.conversation import ReportSummary
from reporting.dialogue.conversation import Settings
from reporting.dialogue.conversation import State
from reporting.dialogue.conversation import Text
from reporting.dialogue.conversation import handle
from reporting.models import REPORT_STATUSES
from reporting.models import Report
from reporting.notifications import standard_message
from reporting.staff.actions import HIDE_REASONS
from reporting.staff.actions import PRIORITIES
from reporting.staff.actions import ROAD_MANAGERS
from tests.conftest import AppFactory
from tests.reporting.line_world import KITA
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token
from tests.reporting.staff_browser import log_in

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CITY = load_profile("okayama")


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_areas_db_url)
    add_user(application, "tanaka", "staff")
    with application.app_context():
        session = db.session()
        made = []
        for status in REPORT_STATUSES:
            report = reports.create_report(
                session, category="road", subcategory="pothole", lon=KITA[0], lat=KITA[1],
                now=NOW,
            )  # fmt: skip
            session.flush()
            report.status = status
            report.duplicate_of_id = made[0].id if status == "duplicate" else None
            made.append(report)
        session.commit()
    return application


def staff_in(app: Flask, language: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, "tanaka")
    token = csrf_token(client.get("/staff/reports").text)
    client.post("/staff/language", data={"lang": language, "csrf_token": token})
    return client


def badges(page: str) -> dict[str, set[str]]:
    """Every status word shown on a page, by status."""
    found: dict[str, set[str]] = {}
    for status, word in re.findall(r'<span class="status status-(\w+)"[^>]*>([^<]+)</span>', page):
        found.setdefault(status, set()).add(word)
    return found


def said_on_line(status: str, language: str) -> str:
    """What the LINE conversation answers a resident asking about a report in this status."""
    summary = ReportSummary("2611-00001", "道路", "Road", status, NOW)
    state = State(consent_version=CITY.terms.version, language=language, updated_at=NOW)
    outcome = handle(state, Text("状況"), Facts(recent_reports=(summary,)), CITY, NOW, Settings())
    return "\n".join(reply.text for reply in outcome.replies)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_status_has_one_word_everywhere(app: Flask, language: str) -> None:
    staff = staff_in(app, language)
    dashboard = badges(staff.get("/staff/reports").text)
    stats = badges(staff.get("/staff/stats").text)
    assert set(glossary.STATUSES) == set(REPORT_STATUSES)
    with app.app_context():
        report = db.session.query(Report).first()
        assert report is not None
        for status in REPORT_STATUSES:
            word = glossary.status_word(status, language)
            assert dashboard[status] == {word}, status
            assert stats[status] == {word}, status
            assert f"：{word}（" in said_on_line(status, language) or (
                f": {word} (" in said_on_line(status, language)
            ), status
            notice = standard_message(
                report, status, language, original=report, manager="national"
            )
            if notice is not None:
                assert (f"「{word}」" if language == "ja" else f'"{word}"') in notice, status
    words = [glossary.status_word(s, language) for s in REPORT_STATUSES]
    assert len(set(words)) == len(words), "two statuses share a word"


def test_words_cover_every_code_the_domain_uses() -> None:
    assert set(HIDE_REASONS) == set(glossary.HIDE_REASONS)
    assert set(PRIORITIES) == set(glossary.PRIORITIES)
    assert set(ROAD_MANAGERS) == set(glossary.ROAD_MANAGERS)
    actions = {"created", "status", "department", "priority", "hide", "unhide", "block", "unblock"}
    assert actions <= set(glossary.ACTIONS)
    for words in (glossary.STATUSES, glossary.PRIORITIES, glossary.ACTIONS, glossary.HISTORY):
        for word in words.values():
            assert word.ja and word.en
    assert glossary.kind_word(CITY, "road", "pothole", "ja") == "道路 / 穴・陥没"
    assert glossary.kind_word(CITY, "road", "gone", "en") == "Road / gone"
    assert glossary.category_word(CITY, "gone", "ja") == "gone"
