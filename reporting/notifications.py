"""Telling residents that a report moved on: one push per status change to its reporter and to
each resident who said it is the damage they saw too, by template."""

import uuid

import procrastinate
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.city_profile import CityProfile
from reporting.dialogue import conversation as talk
from reporting.models import Report
from reporting.models import ReportSupporter
from reporting.models import Resident
from reporting.outbox import queue_messages

# Per status, what the resident is told (ja, en); "new" is the receipt itself, not a change.
TEMPLATES: dict[str, tuple[str, str]] = {
    "acknowledged": (
        "受付番号 {receipt} の通報を担当部署が確認しました。",
        "Report {receipt} has been checked by the department in charge.",
    ),
    "in_progress": (
        "受付番号 {receipt} の通報について、対応を始めました。",
        "Work on report {receipt} has started.",
    ),
    "resolved": (
        "受付番号 {receipt} の通報の対応が完了しました。ご協力ありがとうございました。",
        "Report {receipt} has been dealt with. Thank you for your help.",
    ),
    "rejected": (
        "受付番号 {receipt} の通報は、市では対応できない内容でした。ご理解をお願いします。",
        "Report {receipt} concerns something the city cannot act on. Thank you for understanding.",
    ),
    "duplicate": (
        "受付番号 {receipt} の通報は、同じ場所の通報（受付番号 {duplicate_of}）と"
        "あわせて対応します。",
        "Report {receipt} will be handled together with report {duplicate_of} about the same "
        "place.",
    ),
    "referred": (
        "受付番号 {receipt} の場所は市の管理ではないため、管理者（国・県など）に引き継ぎました。",
        "The place in report {receipt} is not managed by the city; it has been passed to its "
        "manager (the national or prefectural road authority).",
    ),
}
# Retry keys for notices derive from the report and its audit event: a retry never repeats.
NOTICE_NAMESPACE = uuid.UUID("0f4b3f7e-2d0e-4c35-8f6b-3f8e4b1f2a67")


def status_notice(
    report: Report, status: str, language: str, duplicate_of: str | None = None
) -> talk.Reply | None:
    """Return the notice for a new status, or None when the status has none."""
    template = TEMPLATES.get(status)
    if template is None:
        return None
    text = template[1] if language == "en" else template[0]
    return talk.Reply(text.format(receipt=report.receipt_number, duplicate_of=duplicate_of))


def notify_status_change(
    session: Session,
    queue: procrastinate.App,
    city: CityProfile,
    report: Report,
    *,
    audit_event_id: int,
    duplicate_of: str | None = None,
) -> bool:
    """Queue the push for the report's new status in the caller's transaction: one to its
    reporter and one to each supporter, each resident once.

    Nothing is sent when the city turns notices off, nor to a resident who unfollowed or is
    blocked. Returns whether any push was queued.
    """
    if not city.notify_status_changes:
        return False
    supporters = select(ReportSupporter.resident_id).where(
        ReportSupporter.report_id == report.id
    )
    residents = session.scalars(
        select(Resident)
        .where(
            (Resident.id == report.resident_id) | Resident.id.in_(supporters),
            Resident.followed.is_(True),
            Resident.blocked.is_(False),
        )
        .order_by(Resident.id)
    ).all()
    queued = False
    for resident in residents:
        notice = status_notice(report, report.status, resident.language, duplicate_of)
        if notice is None:
            return False
        queue_messages(
            session,
            queue,
            line_user_id=resident.line_user_id,
            messages=[notice],
            retry_key=uuid.uuid5(NOTICE_NAMESPACE, f"{report.id}:{audit_event_id}:{resident.id}"),
        )
        queued = True
    return queued
