"""Staff decisions on a report: each one changes the report and writes the audit trail."""

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

import procrastinate
from sqlalchemy.orm import Session

from reporting.city_profile import CityProfile
from reporting.models import REPORT_STATUSES
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.notifications import clean_message
from reporting.notifications import notify_status_change

CLOSED = frozenset({"resolved", "rejected", "duplicate", "referred"})
# Statuses that need more than a choice (the original report, the road manager) cannot be
# given to many reports at once.
BULK_STATUSES = ("new", "acknowledged", "in_progress", "resolved", "rejected")


class TriageError(ValueError):
    """The change is not allowed; the message says why."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, or the system."""

    staff_user_id: int | None
    kind: str = "staff"


@dataclass(frozen=True)
class Notice:
    """What staff tell the resident with a status change: whether, and in which words."""

    notify: bool = True
    # None sends the status's standard message (reporting.notifications).
    message: str | None = None
    # The after-repair photo, sent after the text; only with a resolution.
    photo: Photo | None = None


@dataclass
class BulkOutcome:
    """Which reports a change to many moved, which already were so, and how many were told."""

    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    notified: int = 0


def change_status(
    session: Session,
    queue: procrastinate.App,
    city: CityProfile,
    report: Report,
    status: str,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    notice: Notice | None = None,
    duplicate_of: Report | None = None,
    manager: str | None = None,
) -> ReportEvent:
    """Move a report to a status, audit it, and tell the resident if asked; the caller commits.

    The audit event keeps the internal note, and whether and what the resident was told.
    A message LINE cannot show raises MessageRefused before anything changes.
    """
    tell = notice or Notice()
    _check(report, status, duplicate_of, tell)
    message = clean_message(tell.message)
    before = report.status
    report.status = status
    report.duplicate_of_id = duplicate_of.id if duplicate_of else None
    report.resolved_at = now if status in CLOSED else None
    if before == "new" and report.acknowledged_at is None:
        report.acknowledged_at = now
    report.updated_at = now
    data: dict[str, Any] = {"notify": tell.notify}
    if duplicate_of is not None:
        data["duplicate_of"] = duplicate_of.receipt_number
    if manager is not None:
        data["manager"] = manager
    if tell.photo is not None:
        data["photo_id"] = tell.photo.id
    event = ReportEvent(
        report_id=report.id,
        actor_kind=actor.kind,
        staff_user_id=actor.staff_user_id,
        action="status",
        from_status=before,
        to_status=status,
        note=note,
        data=data,
        created_at=now,
    )
    session.add(event)
    session.flush()
    if tell.notify:
        sent = notify_status_change(
            session,
            queue,
            city,
            report,
            audit_event_id=event.id,
            message=message,
            original=duplicate_of,
            manager=manager,
            photo_id=tell.photo.id if tell.photo else None,
        )
        event.data = {**data, "notified": sent is not None, "message": sent}
    return event


def _check(report: Report, status: str, duplicate_of: Report | None, tell: Notice) -> None:
    if status not in REPORT_STATUSES:
        raise TriageError(f"unknown status {status!r}")
    if status == report.status:
        raise TriageError(f"the report is already {status}")
    if (status == "duplicate") != (duplicate_of is not None):
        raise TriageError("a duplicate needs the report it duplicates, and only a duplicate")
    if duplicate_of is not None and duplicate_of.id == report.id:
        raise TriageError("a report cannot duplicate itself")
    if tell.photo is not None and status != "resolved":
        raise TriageError("an after-repair photo goes with a resolution only")


def change_statuses(
    session: Session,
    queue: procrastinate.App,
    city: CityProfile,
    reports: Sequence[Report],
    status: str,
    *,
    actor: Actor,
    now: datetime,
    notify: bool,
    note: str | None = None,
) -> BulkOutcome:
    """Move several reports to one status, each audited and told its own standard message.

    Reports already in that status are left alone; the caller commits.
    """
    if status not in BULK_STATUSES:
        raise TriageError(f"{status!r} cannot be given to several reports at once")
    outcome = BulkOutcome()
    for report in reports:
        if report.status == status:
            outcome.unchanged.append(report.id)
            continue
        event = change_status(
            session, queue, city, report, status,
            actor=actor, now=now, note=note, notice=Notice(notify=notify),
        )  # fmt: skip
        outcome.changed.append(report.id)
        outcome.notified += bool(event.data.get("notified"))
    return outcome
