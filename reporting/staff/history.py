"""A report's audit trail in words: who did what, what changed, what the resident was told."""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from reporting.models import ReportEvent
from reporting.staff.words import Words


@dataclass(frozen=True)
class Entry:
    """One line of a report's history, ready to show."""

    at: datetime
    who: str
    what: str
    change: str | None = None
    details: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None
    message: str | None = None
    photo_id: int | None = None
    media_url: str | None = None


def _who(event: ReportEvent, staff: str | None, words: Words) -> str:
    if staff:
        return staff
    if event.actor_kind == "open311":
        return f"Open311 ({event.data.get('client', '')})"
    return words.actor(event.actor_kind)


def _change(event: ReportEvent, words: Words) -> str | None:
    data: dict[str, Any] = event.data or {}
    if event.action in ("status", "created") and event.to_status:
        before = words.status(event.from_status) if event.from_status else None
        return " → ".join(w for w in (before, words.status(event.to_status)) if w)
    if event.action == "priority":
        return " → ".join(_priority(data.get(k), words) for k in ("before", "after"))
    if event.action == "department":
        none = words.history("none")
        return f"{data.get('before') or none} → {data.get('after') or none}"
    return None


def _priority(value: Any, words: Words) -> str:
    return words.priorities.get(value, str(value)) if isinstance(value, int) else str(value)


def _details(event: ReportEvent, words: Words) -> list[tuple[str, str]]:
    data: dict[str, Any] = event.data or {}
    found: list[tuple[str, str]] = []
    if data.get("duplicate_of"):
        found.append((words.history("duplicate_of"), str(data["duplicate_of"])))
    if data.get("manager"):
        found.append((words.history("manager"), words.managers.get(data["manager"], "")))
    reason = data.get("reason") if event.action == "hide" else data.get("before")
    if event.action in ("hide", "unhide") and reason:
        found.append((words.history("reason"), words.hide_reasons.get(reason, reason)))
    if event.action == "status":
        told = "notified" if data.get("notified") else "not_notified"
        found.append((_("LINE"), words.history(told)))
    return found


def entries(history: list[tuple[ReportEvent, str | None]], words: Words) -> list[Entry]:
    """Put each audit event in words, newest first as given."""
    return [
        Entry(
            at=event.created_at,
            who=_who(event, staff, words),
            what=words.action(event.action),
            change=_change(event, words),
            details=_details(event, words),
            note=event.note,
            message=(event.data or {}).get("message"),
            photo_id=(event.data or {}).get("photo_id"),
            media_url=(event.data or {}).get("media_url"),
        )
        for event, staff in history
    ]
