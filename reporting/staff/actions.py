"""What staff do to a report from its page: each step is audited; the caller commits."""

from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import procrastinate
from sqlalchemy.orm import Session

from reporting import glossary
from reporting.city_profile import CityProfile
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import Resident
from reporting.staff.queries import by_receipt
from reporting.triage import Actor
from reporting.triage import BulkOutcome
from reporting.triage import Notice
from reporting.triage import change_status

PRIORITIES = tuple(glossary.PRIORITIES)
# Roads the city does not manage: national roads (国道) and prefectural roads (県道).
ROAD_MANAGERS = tuple(glossary.ROAD_MANAGERS)
# The posting rules' grounds for taking a report out of public view.
HIDE_REASONS = tuple(glossary.HIDE_REASONS)


class ActionRefused(ValueError):
    """The action cannot be done as asked; ``code`` names why, for the page to explain."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _audit(
    session: Session,
    report: Report,
    action: str,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    **data: Any,
) -> ReportEvent:
    event = ReportEvent(
        report_id=report.id,
        actor_kind=actor.kind,
        staff_user_id=actor.staff_user_id,
        action=action,
        note=note or None,
        data=data,
        created_at=now,
    )
    session.add(event)
    return event


def assign_department(
    session: Session, report: Report, department: str | None, *, actor: Actor, now: datetime
) -> ReportEvent:
    """Give the report to a department (None or blank takes it back)."""
    department = (department or "").strip()[:64] or None
    if department == report.department:
        raise ActionRefused("unchanged")
    before, report.department, report.updated_at = report.department, department, now
    return _audit(session, report, "department", actor, now, before=before, after=department)


def set_priority(
    session: Session, report: Report, priority: int, *, actor: Actor, now: datetime
) -> ReportEvent:
    """Set the report's priority, 0 (none) to 3 (urgent)."""
    if priority not in PRIORITIES:
        raise ActionRefused("priority")
    if priority == report.priority:
        raise ActionRefused("unchanged")
    before, report.priority, report.updated_at = report.priority, priority, now
    return _audit(session, report, "priority", actor, now, before=before, after=priority)


def mark_duplicate(
    session: Session,
    queue: procrastinate.App,
    city: CityProfile,
    report: Report,
    receipt: str,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    notice: Notice | None = None,
) -> ReportEvent:
    """Close the report as a duplicate of the one with this receipt number."""
    original = by_receipt(session, receipt)
    if original is None:
        raise ActionRefused("no_such_receipt")
    if original.id == report.id:
        raise ActionRefused("itself")
    return change_status(
        session, queue, city, report, "duplicate",
        actor=actor, now=now, note=note or None, notice=notice, duplicate_of=original,
    )


def refer(
    session: Session,
    queue: procrastinate.App,
    city: CityProfile,
    report: Report,
    manager: str,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    notice: Notice | None = None,
) -> ReportEvent:
    """Close the report as referred to the road's manager (``national`` or ``prefectural``)."""
    if manager not in ROAD_MANAGERS:
        raise ActionRefused("manager")
    return change_status(
        session, queue, city, report, "referred",
        actor=actor, now=now, note=note or None, notice=notice, manager=manager,
    )


def hide(
    session: Session, report: Report, reason: str, *, actor: Actor, now: datetime
) -> ReportEvent:
    """Take the report out of public view on one of the posting rules' grounds."""
    if reason not in HIDE_REASONS:
        raise ActionRefused("reason")
    if report.hidden and report.hidden_reason == reason:
        raise ActionRefused("unchanged")
    report.hidden, report.hidden_reason, report.updated_at = True, reason, now
    return _audit(session, report, "hide", actor, now, reason=reason)


def unhide(session: Session, report: Report, *, actor: Actor, now: datetime) -> ReportEvent:
    """Put a hidden report back in public view."""
    if not report.hidden:
        raise ActionRefused("unchanged")
    before = report.hidden_reason
    report.hidden, report.hidden_reason, report.updated_at = False, None, now
    return _audit(session, report, "unhide", actor, now, before=before)


def _resident(session: Session, report: Report) -> Resident:
    resident = session.get(Resident, report.resident_id) if report.resident_id else None
    if resident is None:
        raise ActionRefused("no_resident")
    return resident


def block_resident(
    session: Session, report: Report, reason: str, *, actor: Actor, now: datetime
) -> ReportEvent:
    """Stop accepting reports from the report's sender; the reason is kept and audited."""
    resident = _resident(session, report)
    reason = reason.strip()[:200]
    if not reason:
        raise ActionRefused("reason")
    if resident.blocked:
        raise ActionRefused("unchanged")
    resident.blocked, resident.blocked_reason, resident.blocked_notified = True, reason, False
    return _audit(session, report, "block", actor, now, reason, resident_id=resident.id)


def unblock_resident(
    session: Session, report: Report, *, actor: Actor, now: datetime
) -> ReportEvent:
    """Accept reports from the report's sender again."""
    resident = _resident(session, report)
    if not resident.blocked:
        raise ActionRefused("unchanged")
    before = resident.blocked_reason
    resident.blocked, resident.blocked_reason, resident.blocked_notified = False, None, False
    return _audit(session, report, "unblock", actor, now, resident_id=resident.id, before=before)


def each(reports: Sequence[Report], action: Callable[[Report], Any]) -> BulkOutcome:
    """Do one action to several reports; those it would not change are counted, not refused."""
    outcome = BulkOutcome()
    for report in reports:
        try:
            action(report)
        except ActionRefused as refused:
            if refused.code != "unchanged":
                raise
            outcome.unchanged.append(report.id)
        else:
            outcome.changed.append(report.id)
    return outcome


# The city's public answer is shown to anyone: as long as a short notice, never a document.
MAX_PUBLIC_ANSWER = 2000


def set_public_answer(
    session: Session, report: Report, answer: str | None, *, actor: Actor, now: datetime
) -> ReportEvent:
    """Write what the public site says the city did about the report (blank takes it away).

    The event keeps the text before and after: the answer's history, which the public
    report page shows without who wrote it.
    """
    answer = (answer or "").replace("\r\n", "\n").strip() or None
    if answer is not None and len(answer) > MAX_PUBLIC_ANSWER:
        raise ActionRefused("answer_length")
    if answer == report.public_answer:
        raise ActionRefused("unchanged")
    before, report.public_answer, report.updated_at = report.public_answer, answer, now
    return _audit(session, report, "public_answer", actor, now, before=before, after=answer)


def publish_photo(
    session: Session, report: Report, photo_id: int, published: bool, *, actor: Actor,
    now: datetime,
) -> ReportEvent:
    """Tick or untick 「公開可」 on one of the resident's photos of the report."""
    photo = session.get(Photo, photo_id)
    if photo is None or photo.report_id != report.id or photo.kind != "resident":
        raise ActionRefused("no_photo")
    if photo.published == published:
        raise ActionRefused("unchanged")
    photo.published = published
    action = "photo_published" if published else "photo_unpublished"
    return _audit(session, report, action, actor, now, photo_id=photo.id)
