"""A status change reaches the resident by push, once, in their language; or not at all."""

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from reporting import reports
from reporting.db import db
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import Resident
from reporting.notifications import MessageRefused
from reporting.notifications import standard_message
from reporting.triage import Actor
from reporting.triage import Notice
from reporting.triage import TriageError
from reporting.triage import change_status
from tests.conftest import AppFactory
from tests.reporting.line_world import KITA
from tests.reporting.line_world import drain
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform

USER = "U" + "5" * 32
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


def make(make_app: AppFactory, url: str, platform: FakeLinePlatform, **config: object) -> Flask:
    return make_app(url, **line_config(platform), **config)


def seed(app: Flask, language: str = "ja", followed: bool = True) -> int:
    with app.app_context():
        session = db.session()
        resident = Resident(line_user_id=USER, language=language, followed=followed)
        session.add(resident)
        session.flush()
        report = reports.create_report(
            session,
            category="road",
            subcategory="pothole",
            lon=KITA[0],
            lat=KITA[1],
            now=NOW,
            resident_id=resident.id,
        )
        session.commit()
        return report.id


def number(app: Flask, report_id: int) -> str:
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report is not None
        return report.receipt_number


def change(app: Flask, report_id: int, status: str, **kwargs: object) -> dict:
    """Change the status as staff would; return the audit event's data."""
    with app.app_context():
        session = db.session()
        report = session.get(Report, report_id)
        assert report is not None
        event = change_status(
            session,
            app.extensions["tsuho.defer"],
            app.extensions["tsuho.city"],
            report,
            status,
            actor=Actor(None, "system"),
            now=NOW,
            **kwargs,
        )
        session.commit()
        return dict(event.data)


def test_in_progress_then_resolved_are_pushed_once_each(
    fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make(make_app, fresh_areas_db_url, platform)
    report_id = seed(app)
    change(app, report_id, "in_progress", note="補修班を手配")
    change(app, report_id, "resolved")
    drain(app)
    drain(app)
    sent = platform.sent_to(USER)
    assert [m.channel for m in sent] == ["push", "push"]
    assert sent[0].text == (
        f"受付番号 {number(app, report_id)} の通報は「対応中」になりました。"
        "補修などの対応を始めました。"
    )
    assert "「対応完了」になりました。ご協力ありがとうございました。" in (sent[1].text or "")
    with app.app_context():
        events = db.session.scalars(select(ReportEvent).order_by(ReportEvent.id)).all()
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("created", None, "new"),
            ("status", "new", "in_progress"),
            ("status", "in_progress", "resolved"),
        ]
        assert events[1].note == "補修班を手配"
        # The internal note is kept, never sent; what was sent is kept beside it.
        assert "補修班" not in (sent[0].text or "")
        assert events[1].data["message"] == sent[0].text
        report = db.session.get(Report, report_id)
        assert report.resolved_at == NOW
        assert report.acknowledged_at == NOW


def test_english_speakers_get_english(
    fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make(make_app, fresh_areas_db_url, platform)
    change(app, seed(app, language="en"), "acknowledged")
    drain(app)
    (notice,) = platform.sent_to(USER)
    assert '"acknowledged" now: the department in charge has checked it.' in (notice.text or "")


def test_a_duplicate_names_the_report_it_joined(
    fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make(make_app, fresh_areas_db_url, platform)
    first, second = seed(app), None
    with app.app_context():
        session = db.session()
        second = reports.create_report(
            session, category="road", subcategory="pothole", lon=KITA[0], lat=KITA[1], now=NOW
        ).id
        session.commit()
    with app.app_context():
        original = db.session.get(Report, second)
        receipt = original.receipt_number
        report = db.session.get(Report, first)
        change_status(
            db.session(),
            app.extensions["tsuho.defer"],
            app.extensions["tsuho.city"],
            report,
            "duplicate",
            actor=Actor(None, "system"),
            now=NOW,
            duplicate_of=original,
        )
        db.session.commit()
    drain(app)
    (notice,) = platform.sent_to(USER)
    assert f"同じ場所の通報（受付番号 {receipt}、現在「受付」）とあわせて対応します。" in (
        notice.text or ""
    )


@pytest.mark.parametrize("case", ["city-off", "unfollowed", "not-asked"])
def test_no_push_when_it_should_not_be_sent(
    fresh_areas_db_url: str,
    make_app: AppFactory,
    platform: FakeLinePlatform,
    tmp_path: Path,
    case: str,
) -> None:
    config: dict[str, object] = {}
    if case == "city-off":
        profile = tmp_path / "quiet.toml"
        text = Path("reporting/city_profiles/okayama.toml").read_text(encoding="utf-8")
        profile.write_text(
            text.replace("notify_status_changes = true", "notify_status_changes = false"),
            encoding="utf-8",
        )
        config["TSUHO_CITY"] = str(profile)
    app = make(make_app, fresh_areas_db_url, platform, **config)
    report_id = seed(app, followed=case != "unfollowed")
    data = change(app, report_id, "resolved", notice=Notice(notify=case != "not-asked"))
    drain(app)
    assert platform.sent_to(USER) == []
    assert data.get("notified", False) is False


def test_impossible_changes_are_refused(
    fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make(make_app, fresh_areas_db_url, platform)
    report_id = seed(app)
    with pytest.raises(TriageError, match="unknown status"):
        change(app, report_id, "fixed")
    with pytest.raises(TriageError, match="already new"):
        change(app, report_id, "new")
    with pytest.raises(TriageError, match="needs the report it duplicates"):
        change(app, report_id, "duplicate")


def test_an_edited_message_is_sent_as_written_and_kept(
    fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make(make_app, fresh_areas_db_url, platform)
    report_id = seed(app)
    written = "  明日9時に補修します。\r\n通行にご注意ください。 "
    data = change(app, report_id, "in_progress", notice=Notice(message=written))
    drain(app)
    (notice,) = platform.sent_to(USER)
    assert notice.text == "明日9時に補修します。\n通行にご注意ください。"
    assert data["message"] == notice.text and data["notified"] is True


@pytest.mark.parametrize(
    ("message", "code"),
    [("あ" * 5001, "message_length"), ("補修\x00します", "message_characters")],
)
def test_a_message_line_cannot_show_changes_nothing(
    fresh_areas_db_url: str,
    make_app: AppFactory,
    platform: FakeLinePlatform,
    message: str,
    code: str,
) -> None:
    app = make(make_app, fresh_areas_db_url, platform)
    report_id = seed(app)
    with pytest.raises(MessageRefused) as refused:
        change(app, report_id, "resolved", notice=Notice(message=message))
    assert refused.value.code == code
    with app.app_context():
        assert db.session.get(Report, report_id).status == "new"
        assert db.session.scalar(select(func.count()).select_from(ReportEvent)) == 1


def test_a_referral_names_the_manager_and_a_late_duplicate_says_the_original_is_done(
    fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make(make_app, fresh_areas_db_url, platform)
    with app.app_context():
        report = db.session.get(Report, seed(app))
        original = Report(receipt_number="2611-00001", status="resolved")
        national = standard_message(report, "referred", "ja", manager="national")
        prefectural = standard_message(report, "referred", "en", manager="prefectural")
        late = standard_message(report, "duplicate", "ja", original=original)
    assert "国道の管理者（国）に引き継ぎました。" in (national or "")
    assert "passed to the prefectural road authority." in (prefectural or "")
    assert "同じ場所の通報（受付番号 2611-00001）は、すでに「対応完了」です。" in (late or "")
