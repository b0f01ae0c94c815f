"""Telling residents that a report moved on: one push per status change to its reporter and to
each resident who said it is the damage they saw too.

Each status has a standard message, naming the report's receipt number and its new status in
the glossary's words. Staff may send it as it is or edit it first; what was sent is kept on
the audit event. A resolution may carry the after-repair photo, sent as an image after the text.
"""

import unicodedata
import uuid

import procrastinate
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting import glossary
from reporting.city_profile import CityProfile
from reporting.dialogue import conversation as talk
from reporting.models import Report
from reporting.models import ReportSupporter
from reporting.models import Resident
from reporting.outbox import PhotoMessage
from reporting.outbox import queue_messages

# The states a resident waits to hear about; the others are told only when staff choose to.
NOTIFY_BY_DEFAULT = frozenset({"resolved", "rejected", "duplicate", "referred"})
# LINE's limit on a text message.
MAX_MESSAGE = 5000

_REPORT = ("受付番号 {receipt} の通報は「{status}」", 'Report {receipt} is "{status}"')
# Per status, what the resident is told (ja, en); "new" is the receipt itself, not a change.
# "duplicate_closed" is a duplicate of a report the city has already closed.
TEMPLATES: dict[str, tuple[str, str]] = {
    "acknowledged": (
        "{report}になりました。担当部署が内容を確認しました。",
        "{report} now: the department in charge has checked it.",
    ),
    "in_progress": (
        "{report}になりました。補修などの対応を始めました。",
        "{report} now: work on it has started.",
    ),
    "resolved": (
        "{report}になりました。ご協力ありがとうございました。",
        "{report} now. Thank you for your help.",
    ),
    "rejected": (
        "{report}となりました。市では対応できない内容でした。ご理解をお願いします。",
        "{report}: it concerns something the city cannot act on. Thank you for understanding.",
    ),
    "duplicate": (
        "{report}となりました。同じ場所の通報（受付番号 {original}、現在「{original_status}」）"
        "とあわせて対応します。",
        "{report}: it will be handled together with report {original} about the same place "
        '(now "{original_status}").',
    ),
    "duplicate_closed": (
        "{report}となりました。同じ場所の通報（受付番号 {original}）は、すでに"
        "「{original_status}」です。",
        '{report}: report {original} about the same place is already "{original_status}".',
    ),
    "referred": (
        "{report}となりました。この場所は市の管理ではないため、{manager}に引き継ぎました。",
        "{report}: the place is not managed by the city, so it has been passed to {manager}.",
    ),
}
# Retry keys for notices derive from the report and its audit event: a retry never repeats.
NOTICE_NAMESPACE = uuid.UUID("0f4b3f7e-2d0e-4c35-8f6b-3f8e4b1f2a67")


class MessageRefused(ValueError):
    """The message cannot be sent on LINE as written; ``code`` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def standard_message(
    report: Report,
    status: str,
    language: str,
    *,
    original: Report | None = None,
    manager: str | None = None,
) -> str | None:
    """Return the standard message for a new status, or None when the status has none.

    A duplicate names its ``original`` and the original's current status; a referral names
    the road ``manager`` chosen.
    """
    key = status
    if status == "duplicate":
        if original is None:
            return None
        key = "duplicate" if original.status in glossary.OPEN_STATUSES else "duplicate_closed"
    template = TEMPLATES.get(key)
    if template is None:
        return None
    lang = "en" if language == "en" else "ja"
    half = 1 if lang == "en" else 0
    report_part = _REPORT[half].format(
        receipt=report.receipt_number, status=glossary.status_word(status, lang)
    )
    return template[half].format(
        report=report_part,
        original=original.receipt_number if original else "",
        original_status=glossary.status_word(original.status, lang) if original else "",
        manager=glossary.word(glossary.ROAD_MANAGERS, manager, lang) if manager else "",
    )


def clean_message(text: str | None) -> str | None:
    """Return a message staff typed, trimmed, or None when blank; refuse what LINE cannot show."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    if len(text) > MAX_MESSAGE:
        raise MessageRefused("message_length")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise MessageRefused("message_characters")
    return text


def residents_to_notify(session: Session, city: CityProfile, report: Report) -> list[Resident]:
    """Return the residents a notice would reach, reporter first, then its supporters: none
    when notices are off, and never one who unfollowed or is blocked."""
    if not city.notify_status_changes:
        return []
    supporters = select(ReportSupporter.resident_id).where(
        ReportSupporter.report_id == report.id
    )
    return list(
        session.scalars(
            select(Resident)
            .where(
                (Resident.id == report.resident_id) | Resident.id.in_(supporters),
                Resident.followed.is_(True),
                Resident.blocked.is_(False),
            )
            .order_by((Resident.id != report.resident_id), Resident.id)
        )
    )


def notify_status_change(
    session: Session,
    queue: procrastinate.App,
    city: CityProfile,
    report: Report,
    *,
    audit_event_id: int,
    message: str | None = None,
    original: Report | None = None,
    manager: str | None = None,
    photo_id: int | None = None,
) -> str | None:
    """Queue the push for the report's new status in the caller's transaction, to each resident
    of ``residents_to_notify`` once.

    ``message`` replaces the standard message; a photo follows the text as an image. Returns
    the text queued for the first of them, or None when nothing was: nobody to tell, or a
    status with no standard message and none given.
    """
    first: str | None = None
    for resident in residents_to_notify(session, city, report):
        text = message or standard_message(
            report, report.status, resident.language, original=original, manager=manager
        )
        if text is None:
            return None
        messages: list[talk.Reply | PhotoMessage] = [talk.Reply(text)]
        if photo_id is not None:
            messages.append(PhotoMessage(photo_id))
        queue_messages(
            session,
            queue,
            line_user_id=resident.line_user_id,
            messages=messages,
            retry_key=uuid.uuid5(NOTICE_NAMESPACE, f"{report.id}:{audit_event_id}:{resident.id}"),
        )
        first = first or text
    return first
