"""The retention policy: personal data kept no longer than its purpose needs, and the audit.

One run, in order: photos of long-closed reports; draft photos of abandoned reports; stored
bytes nothing refers to any more (``photo_lifecycle.collect``); LINE user IDs of long-silent
residents, replaced by a tombstone; handled webhook events past their keeping time. A dry
run lists the same things and changes nothing. Every real run leaves a ``retention_runs`` row
and a log line.
"""

import logging
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from reporting.city_profile import Retention
from reporting.models import LineEvent
from reporting.models import Photo
from reporting.models import Report
from reporting.models import Resident
from reporting.models import RetentionRun
from reporting.operations.photo_lifecycle import GRACE
from reporting.operations.photo_lifecycle import abandoned_drafts
from reporting.operations.photo_lifecycle import collect
from reporting.photos.store import PhotoStore

log = logging.getLogger(__name__)

CLOSED = ("resolved", "rejected", "duplicate", "referred")
TOMBSTONE = "tombstone:"
# A draft no message touched for this long has expired (the dialogue's idle timeout is 2 h).
DRAFT_IDLE = timedelta(hours=6)
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class RetentionResult:
    """What a run removed, or (dry) would remove."""

    dry_run: bool
    report_photos: tuple[str, ...]  # receipt numbers of the reports whose photos go
    report_photo_rows: int
    draft_photo_rows: int
    objects: tuple[str, ...]  # photo-store keys deleted
    object_bytes: int
    residents: tuple[int, ...]  # ids of residents whose LINE user ID is replaced
    line_events: int

    def counts(self) -> dict[str, int]:
        return {
            "report_photo_rows": self.report_photo_rows,
            "reports": len(self.report_photos),
            "draft_photo_rows": self.draft_photo_rows,
            "objects": len(self.objects),
            "object_bytes": self.object_bytes,
            "residents": len(self.residents),
            "line_events": self.line_events,
        }


def run(
    session: Session,
    store: PhotoStore,
    policy: Retention,
    now: datetime,
    *,
    dry_run: bool = False,
    trigger: str = "command",
) -> RetentionResult:
    """Apply the policy; commit each step (a dry run commits nothing)."""
    receipts, report_rows = _closed_report_photos(session, policy, now, dry_run)
    drafts = abandoned_drafts(session, now - DRAFT_IDLE, dry_run=dry_run)
    _commit(session, dry_run)
    # A dry run has deleted no rows, so the rows it would delete still hold their bytes:
    # it lists only what is unreferenced already.
    objects = collect(session, store, now, grace=GRACE, dry_run=dry_run)
    residents = _forget_silent_residents(session, policy, now, dry_run)
    _commit(session, dry_run)
    events = _old_line_events(session, policy, now, dry_run)
    result = RetentionResult(
        dry_run=dry_run,
        report_photos=receipts,
        report_photo_rows=report_rows,
        draft_photo_rows=drafts,
        objects=tuple(entry.key for entry in objects),
        object_bytes=sum(entry.size for entry in objects),
        residents=residents,
        line_events=events,
    )
    if not dry_run:
        session.add(
            RetentionRun(ran_at=now, trigger=trigger, policy=asdict(policy),
                         removed=result.counts())
        )
        session.commit()
        log.info("retention run", extra={"trigger": trigger, **result.counts()})
    else:
        session.rollback()
    return result


def _commit(session: Session, dry_run: bool) -> None:
    if dry_run:
        session.rollback()
    else:
        session.commit()


def _closed_report_photos(
    session: Session, policy: Retention, now: datetime, dry_run: bool
) -> tuple[tuple[str, ...], int]:
    cutoff = now - policy.closed_report_photos_years * YEAR
    closed = select(Report.id).where(
        Report.status.in_(CLOSED),
        func.coalesce(Report.resolved_at, Report.updated_at) < cutoff,
    )
    receipts = tuple(
        session.scalars(
            select(Report.receipt_number)
            .where(Report.id.in_(closed), Report.id.in_(select(Photo.report_id)))
            .order_by(Report.id)
        ).all()
    )
    rows = session.scalar(select(func.count(Photo.id)).where(Photo.report_id.in_(closed))) or 0
    if not dry_run:
        session.execute(delete(Photo).where(Photo.report_id.in_(closed)))
    return receipts, int(rows)


def _forget_silent_residents(
    session: Session, policy: Retention, now: datetime, dry_run: bool
) -> tuple[int, ...]:
    cutoff = now - policy.inactive_resident_years * YEAR
    silent = session.scalars(
        select(Resident.id)
        .where(
            func.coalesce(Resident.last_seen_at, Resident.created_at) < cutoff,
            Resident.line_user_id.not_like(f"{TOMBSTONE}%"),
        )
        .order_by(Resident.id)
    ).all()
    if dry_run:
        return tuple(silent)
    for resident_id in silent:
        line_user_id = session.scalar(
            select(Resident.line_user_id).where(Resident.id == resident_id)
        )
        # Their stored webhook events hold the same ID; unhandled ones cannot exist this late.
        session.execute(delete(LineEvent).where(LineEvent.line_user_id == line_user_id))
        session.execute(
            update(Resident)
            .where(Resident.id == resident_id)
            .values(line_user_id=f"{TOMBSTONE}{resident_id}")
        )
    return tuple(silent)


def _old_line_events(session: Session, policy: Retention, now: datetime, dry_run: bool) -> int:
    cutoff = now - timedelta(days=policy.handled_line_events_days)
    where = (
        LineEvent.processed_at.is_not(None),
        LineEvent.received_at < cutoff,
    )
    if dry_run:
        return int(session.scalar(select(func.count(LineEvent.id)).where(*where)) or 0)
    removed = session.execute(delete(LineEvent).where(*where)).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(removed)
