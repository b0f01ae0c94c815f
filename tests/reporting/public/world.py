"""A small city for the public site's tests: reports with notes, a hidden one, photos."""

import io
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import Flask
from PIL import Image

from reporting import reports
from reporting.db import db
from reporting.models import Report
from reporting.models import Resident
from reporting.photos import records
from reporting.staff import actions as staff_actions
from reporting.triage import Actor
from tests.reporting.images import encode
from tests.reporting.images import noise
from tests.reporting.line_world import KITA

NOTE = "秘密のメモ：玄関前の田中さん宅"
HIDDEN_NOTE = "非表示にした通報のメモ"
ANSWER = "12月5日に舗装を補修しました。ご協力ありがとうございました。"
LINE_USER = "U" + "7" * 32
# Degrees of latitude per metre, near enough here.
PER_METRE = 1 / 111_320


@dataclass
class World:
    shown: str  # receipt of a visible report with a public answer and photos
    other: str  # receipt of a visible report, no answer
    hidden: str  # receipt of a hidden report
    shown_id: int
    resident_id: int
    published_key: str
    published_thumb: str
    unpublished_key: str
    unpublished_thumb: str
    after_key: str
    hidden_photo_key: str


def jpeg(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo with EXIF (GPS included), as a phone sends it."""
    return encode(noise("RGB", size, seed), "JPEG")


def plain_jpeg(size: tuple[int, int] = (800, 600), colour: str = "#886644") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def build(app: Flask) -> World:
    """Three reports of one resident: one answered with photos, one plain, one hidden."""
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session()
        store = app.extensions["tsuho.photos"]
        person = Resident(line_user_id=LINE_USER, language="ja")
        session.add(person)
        session.flush()

        def report(north_m: float, note: str, hours: int) -> int:
            made = reports.create_report(
                session, category="road", subcategory="pothole", lon=KITA[0],
                lat=KITA[1] + north_m * PER_METRE, now=now - timedelta(hours=hours), note=note,
                resident_id=person.id,
            )  # fmt: skip
            return made.id

        shown, other, hidden = report(0, NOTE, 3), report(300, NOTE, 2), report(600, HIDDEN_NOTE, 1)
        published = records.store_photo(session, store, jpeg(1), report_id=shown)
        unpublished = records.store_photo(session, store, jpeg(2), report_id=shown)
        hidden_photo = records.store_photo(session, store, jpeg(3), report_id=hidden)
        hidden_photo.published = True
        session.flush()
        after = records.store_after_repair_photo(session, store, jpeg(4), report_id=shown)
        shown_report = session.get(Report, shown)
        hidden_report = session.get(Report, hidden)
        assert shown_report is not None and hidden_report is not None
        actor = Actor(None)
        staff_actions.set_public_answer(session, shown_report, ANSWER, actor=actor, now=now)
        staff_actions.publish_photo(session, shown_report, published.id, True, actor=actor,
                                    now=now)  # fmt: skip
        staff_actions.hide(session, hidden_report, "privacy", actor=actor, now=now)
        session.commit()
        return World(
            shown=shown_report.receipt_number,
            other=session.get(Report, other).receipt_number,  # type: ignore[union-attr]
            hidden=hidden_report.receipt_number,
            shown_id=shown,
            resident_id=person.id,
            published_key=published.storage_key,
            published_thumb=published.thumbnail_key,
            unpublished_key=unpublished.storage_key,
            unpublished_thumb=unpublished.thumbnail_key,
            after_key=after.storage_key,
            hidden_photo_key=hidden_photo.storage_key,
        )
