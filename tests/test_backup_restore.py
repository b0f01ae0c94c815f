"""The backup procedure of docs/operations.md, played through: pg_dump and a copy of the
photo store, the database dropped and the photos lost, then restored: every report and
every photo is readable again, through the staff pages as through the store."""

import hashlib
import shutil
import subprocess
from datetime import UTC
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from reporting import reports
from reporting.db import db
from reporting.models import Photo
from reporting.models import Report
from reporting.photos.records import store_photo
from reporting.settings import libpq_url
from tests.conftest import AppFactory
from tests.conftest import Databases
from tests.reporting.images import encode
from tests.reporting.images import noise
from tests.reporting.line_world import KITA
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in


def file_reports(app: Flask, count: int) -> list[tuple[str, str]]:
    """File reports with two photos each; return (receipt, photo sha256) pairs."""
    with app.app_context():
        session = db.session()
        store = app.extensions["tsuho.photos"]
        for n in range(count):
            report = reports.create_report(
                session, category="road", subcategory="pothole", lon=KITA[0] + n * 1e-4,
                lat=KITA[1], now=datetime.now(UTC), note=f"穴 {n}",
            )
            for seed in (2 * n, 2 * n + 1):
                data = encode(noise("RGB", (80, 60), seed), "JPEG")
                store_photo(session, store, data, report_id=report.id)
        session.commit()
        return sorted(
            tuple(row) for row in session.execute(
                select(Report.receipt_number, Photo.content_hash).join(Photo)
            ).all()
        )


def test_dump_drop_restore_every_report_and_photo_readable(
    databases: Databases, areas_template: str, make_app: AppFactory, tmp_path: Path
) -> None:
    name = databases.create(template=areas_template)
    url = databases.url(name)
    photos = tmp_path / "photos"
    app = make_app(url, PHOTO_DIR=str(photos))
    add_user(app, "sato", "admin")
    filed = file_reports(app, 5)
    with app.app_context():
        db.engine.dispose()

    # Back up: the database with pg_dump, the photo store as files (docs/operations.md).
    dump = tmp_path / "tsuho.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq_url(url)],
                   check=True, timeout=120)
    backup = tmp_path / "photos-backup"
    shutil.copytree(photos, backup)

    # Disaster: the database and the photos are gone.
    databases.drop(name)
    shutil.rmtree(photos)

    # Restore into a new, empty database of the same name, and the photos into place.
    with_name = databases.url(name)
    server = libpq_url(databases.server_url)
    subprocess.run(["psql", server, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    databases.created.append(name)
    subprocess.run(
        ["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={libpq_url(with_name)}",
         str(dump)],
        check=True, timeout=120,
    )
    shutil.copytree(backup, photos)

    restored = make_app(with_name, PHOTO_DIR=str(photos))
    staff = restored.test_client()
    assert log_in(staff, "sato").status_code == 302
    assert restored.test_client().get("/readyz").status_code == 200
    with restored.app_context():
        rows = db.session.execute(
            select(Report.id, Report.receipt_number, Photo.storage_key, Photo.thumbnail_key,
                   Photo.content_hash).join(Photo)
        ).all()
    assert sorted((r.receipt_number, r.content_hash) for r in rows) == filed
    for row in rows:
        page = staff.get(f"/staff/reports/{row.id}")
        assert page.status_code == 200 and row.receipt_number in page.text
        with staff.get(f"/staff/photos/{row.storage_key}") as full:
            assert full.status_code == 200
            assert hashlib.sha256(full.data).hexdigest() == row.content_hash
        with staff.get(f"/staff/photos/{row.thumbnail_key}") as thumbnail:
            assert thumbnail.status_code == 200 and thumbnail.data[:2] == b"\xff\xd8"
