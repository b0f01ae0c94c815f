"""Retention: a dry run lists and changes nothing; a run removes exactly that, and is audited."""

import os
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from reporting import reports
from reporting.city_profile import PROFILE_DIR
from reporting.city_profile import InvalidProfile
from reporting.city_profile import load_profile
from reporting.db import db
from reporting.models import LineEvent
from reporting.models import Photo
from reporting.models import Report
from reporting.models import Resident
from reporting.models import RetentionRun
from reporting.photos.records import store_photo
from reporting.photos.store import FilesystemPhotoStore
from tests.conftest import AppFactory
from tests.reporting.images import encode
from tests.reporting.images import noise
from tests.reporting.line_world import KITA
from tests.reporting.line_world import drain

NOW = datetime.now(UTC)
YEARS = timedelta(days=365)


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(fresh_areas_db_url)


def add_report(status: str, closed_ago: timedelta | None, seed: int) -> str:
    session = db.session()
    report = reports.create_report(
        session, category="road", subcategory="pothole", lon=KITA[0], lat=KITA[1], now=NOW
    )
    data = encode(noise("RGB", (40, 30), seed), "JPEG")
    store_photo(session, current_store(), data, report_id=report.id)
    if closed_ago is not None:
        session.execute(
            update(Report)
            .where(Report.id == report.id)
            .values(status=status, resolved_at=NOW - closed_ago, updated_at=NOW - closed_ago)
        )
    session.commit()
    return report.receipt_number


def current_store() -> FilesystemPhotoStore:
    from flask import current_app

    return current_app.extensions["tsuho.photos"]


def seed_world(app: Flask) -> dict:
    with app.app_context():
        old = add_report("resolved", 6 * YEARS, 1)
        add_report("rejected", 1 * YEARS, 2)
        add_report("new", None, 3)
        session = db.session()
        silent = Resident(line_user_id="U" + "1" * 32, last_seen_at=NOW - 4 * YEARS)
        active = Resident(line_user_id="U" + "2" * 32, last_seen_at=NOW - timedelta(days=3))
        session.add_all([silent, active])
        for n, (user, age) in enumerate(
            [("U" + "1" * 32, 4 * YEARS), ("U" + "2" * 32, timedelta(days=100)),
             ("U" + "2" * 32, timedelta(days=3))]
        ):
            session.add(
                LineEvent(webhook_event_id=f"e{n}", event_type="message", line_user_id=user,
                          payload={}, received_at=NOW - age, processed_at=NOW - age)
            )
        session.commit()
        store = current_store()
        orphan = store.put(b"\xff\xd8 bytes a crashed worker left")
        stamp = time.time() - 2 * 86400
        os.utime(store.path(orphan), (stamp, stamp))
        return {"old": old, "silent": silent.id, "orphan": orphan}


def snapshot(app: Flask) -> tuple:
    with app.app_context():
        session = db.session()
        return (
            session.scalar(select(func.count(Photo.id))),
            sorted(session.scalars(select(Resident.line_user_id)).all()),
            session.scalar(select(func.count(LineEvent.id))),
            sorted(current_store().keys()),
            session.scalar(select(func.count(RetentionRun.id))),
        )


def test_dry_run_lists_then_run_removes_and_audits(app: Flask, tmp_path: Path) -> None:
    world = seed_world(app)
    before = snapshot(app)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove: 1 photos of 1 closed reports {world['old']}" in dry.output
    assert "would remove: 1 stored photo files" in dry.output and world["orphan"] in dry.output
    assert f"would remove: the LINE user ID of 1 residents (ids {world['silent']})" in dry.output
    assert "would remove: 2 handled LINE events" in dry.output
    assert snapshot(app) == before

    applied = runner.invoke(args=["retention", "run"])
    assert applied.exit_code == 0, applied.output
    assert f"removed: 1 photos of 1 closed reports {world['old']}" in applied.output
    photos, residents, events, keys, runs = snapshot(app)
    assert photos == before[0] - 1
    assert residents == sorted([f"tombstone:{world['silent']}", "U" + "2" * 32])
    assert events == 1  # the recent one of the active resident
    assert world["orphan"] not in keys and len(keys) == len(before[3]) - 1
    assert runs == 1
    with app.app_context():
        run = db.session.scalars(select(RetentionRun)).one()
        assert run.trigger == "command"
        assert run.policy["closed_report_photos_years"] == 5
        assert run.removed["report_photo_rows"] == 1 and run.removed["residents"] == 1
        assert run.removed["objects"] == 1  # the orphan; the old report's bytes go next run
    again = runner.invoke(args=["retention", "run"])
    assert "removed: 0 photos of 0 closed reports" in again.output
    assert "removed: the LINE user ID of 0 residents" in again.output


def test_a_retention_policy_must_be_whole_years(tmp_path: Path) -> None:
    text = (PROFILE_DIR / "okayama.toml").read_text(encoding="utf-8")
    for line, bad in (
        ("inactive_resident_years = 3", "inactive_resident_years = 0"),
        ("closed_report_photos_years = 5", "closed_report_photos_years = 1.5"),
        ("handled_line_events_days = 90", "handled_line_events_days = 90\nkeep_forever = 1"),
    ):
        profile = tmp_path / "city.toml"
        profile.write_text(text.replace(line, bad), encoding="utf-8")
        with pytest.raises(InvalidProfile):
            load_profile(str(profile))


def test_the_worker_runs_retention_daily_and_audits_it(app: Flask) -> None:
    queue = app.extensions["tsuho.jobs"]
    (periodic,) = [p for p in queue.periodic_registry.periodic_tasks.values()
                   if p.task.name == "run_retention"]
    assert periodic.cron == "23 3 * * *"
    with queue.open():
        queue.configure_task("run_retention").defer(timestamp=0)
    drain(app)
    with app.app_context():
        run = db.session.scalars(select(RetentionRun)).one()
    assert run.trigger == "schedule"
    assert set(run.removed) >= {"report_photo_rows", "objects", "residents", "line_events"}
