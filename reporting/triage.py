"""Staff decisions on a report: each one changes the report and writes the audit trail."""

from dataclasses import dataclass
from datetime import datetime

import procrastinate
from sqlalchemy.orm import Session

from reporting.city_profile import CityProfile
from reporting.models import REPORT_STATUSES
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.notifications import notify_status_change

CLOSED = frozenset({"resolved", "rejected", "duplicate", "referred"})


class TriageError(ValueError):
    """The change is not allowed; the message says why."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, or the system."""

    staff_user_id: int | None
    kind: str = "staff"


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
    notify: bool = True,
    duplicate_of: Report | None = None,
) -> ReportEvent:
    """Move a report to a status, audit it, and tell the resident if asked; the caller commits."""
    if status not in REPORT_STATUSES:
        raise TriageError(f"unknown status {status!r}")
    if status == report.status:
        raise TriageError(f"the report is already {status}")
    if (status == "duplicate") != (duplicate_of is not None):
        raise TriageError("a duplicate needs the report it duplicates, and only a duplicate")
    if duplicate_of is not None and duplicate_of.id == report.id:
        raise TriageError("a report cannot duplicate itself")
    before = report.status
    report.status = status
    report.duplicate_of_id = duplicate_of.id if duplicate_of else None
    report.resolved_at = now if status in CLOSED else None
    report.updated_at = now
    event = ReportEvent(
        report_id=report.id,
        actor_kind=actor.kind,
        staff_user_id=actor.staff_user_id,
        action="status",
        from_status=before,
        to_status=status,
        note=note,
        data={"notify": notify},
        created_at=now,
    )
    session.add(event)
    session.flush()
    if notify:
        sent = notify_status_change(
            session,
            queue,
            city,
            report,
            audit_event_id=event.id,
            duplicate_of=duplicate_of.receipt_number if duplicate_of else None,
        )
        event.data = {"notify": notify, "notified": sent}
    return event
