"""What the public site reads: the public view of reports, their public history and photos.

Reports come through report_queries with ``Visibility(notes=False)``, so hidden reports and
notes never reach these pages. A report's page shows only status changes and the city's
public answers from its audit trail, never who acted or an internal note.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from reporting.glossary import OPEN_STATUSES
from reporting.models import Area
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.report_filters import ReportFilter
from reporting.report_queries import Visibility
from reporting.report_queries import cell_counts
from reporting.report_queries import report_rows

PUBLIC = Visibility(notes=False)
LIST_LENGTH = 20


@dataclass(frozen=True)
class Counts:
    """The figures above the map: this month's resolved and received, and those still open."""

    resolved_this_month: int
    received_this_month: int
    open: int


@dataclass(frozen=True)
class Markers:
    """The reports of a box, or, when there are more than MARKER_LIMIT, their grid counts."""

    count: int
    reports: list[list[Any]]
    cells: list[list[Any]]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    status: str | None
    answer: str | None


def counts(session: Session, month_start: datetime) -> Counts:
    """Count visible reports resolved and received since ``month_start``, and open ones."""
    visible = ~Report.hidden
    row = session.execute(
        select(
            func.count().filter(visible, Report.status == "resolved",
                                Report.resolved_at >= month_start),
            func.count().filter(visible, Report.created_at >= month_start),
            func.count().filter(visible, Report.status.in_(OPEN_STATUSES)),
        )
    ).one()  # fmt: skip
    return Counts(*row)


def latest(session: Session, report_filter: ReportFilter, limit: int = LIST_LENGTH) -> list[Row]:
    """The newest visible reports the filter matches, for the list beside the map."""
    rows = report_rows(report_filter, PUBLIC).order_by(Report.created_at.desc(), Report.id.desc())
    return list(session.execute(rows.limit(limit)).all())


def markers(
    session: Session, report_filter: ReportFilter, cell_size: float, limit: int
) -> Markers:
    """Return the box's reports as [receipt, lon, lat, status], or grid cells above ``limit``.

    The cells are counted first, in one pass: their sum is the count, and only a box that
    holds no more than ``limit`` reports is read a second time for its points.
    """
    rows = report_rows(report_filter, PUBLIC)
    cells = session.execute(cell_counts(rows, cell_size)).all()
    found = sum(c.reports for c in cells)
    if found > limit:
        return Markers(found, [], [[round(c.lon, 6), round(c.lat, 6), c.reports] for c in cells])
    row = rows.subquery("report")
    points = session.execute(
        select(row.c.receipt_number, func.ST_X(row.c.location), func.ST_Y(row.c.location),
               row.c.status)
    ).all()  # fmt: skip
    return Markers(found, [[r[0], round(r[1], 6), round(r[2], 6), r[3]] for r in points], [])


def visible_report(session: Session, receipt: str) -> Report | None:
    """Return the report with this receipt number unless it is hidden."""
    if len(receipt) > 20:
        return None
    return session.scalar(
        select(Report).where(Report.receipt_number == receipt, ~Report.hidden)
    )


def by_status_token(session: Session, token_hash: str) -> Report | None:
    """Return the web report whose private status link has this token hash."""
    return session.scalar(select(Report).where(Report.status_token_hash == token_hash))


def area_name(session: Session, code: str | None, language: str) -> str:
    """Name a report's ward in the page's language."""
    if not code:
        return ""
    row = session.execute(select(Area.name_ja, Area.name_en).where(Area.code == code)).first()
    if row is None:
        return ""
    return (row.name_en if language == "en" else row.name_ja) or row.name_ja


def ward_names(session: Session, codes: Any, language: str) -> dict[str, str]:
    """The service area's wards by code, for the ward filter: a city of wards lists its wards."""
    ward = aliased(Area)
    has_wards = exists().where(ward.parent_code == Area.code, ward.code.in_(list(codes)))
    rows = session.execute(
        select(Area.code, Area.name_ja, Area.name_en)
        .where(Area.code.in_(list(codes)), ~has_wards)
        .order_by(Area.code)
    ).all()
    return {r.code: (r.name_en if language == "en" else r.name_ja) or r.name_ja for r in rows}


def public_history(session: Session, report: Report) -> list[HistoryEntry]:
    """The report's status changes and public answers, oldest first: no actor, no note."""
    events = session.execute(
        select(ReportEvent.created_at, ReportEvent.action, ReportEvent.to_status,
               ReportEvent.data)
        .where(ReportEvent.report_id == report.id,
               ReportEvent.action.in_(("created", "status", "public_answer")))
        .order_by(ReportEvent.created_at, ReportEvent.id)
    ).all()  # fmt: skip
    entries = []
    for at, action, to_status, data in events:
        if action == "public_answer":
            entries.append(HistoryEntry(at, None, (data or {}).get("after") or ""))
        elif to_status:
            entries.append(HistoryEntry(at, to_status, None))
    return entries


def public_photo_condition(report_id: int) -> Any:
    """Photos of the report anyone may see: the after-repair photo, resident photos published."""
    return and_(
        Photo.report_id == report_id,
        or_(Photo.kind == "after_repair", and_(Photo.kind == "resident", Photo.published)),
    )


def public_photos(session: Session, report: Report) -> list[Photo]:
    """The report's public photos: the resident's published ones first, then after the repair."""
    return list(
        session.scalars(
            select(Photo)
            .where(public_photo_condition(report.id))
            .order_by(Photo.kind.desc(), Photo.position, Photo.id)
        )
    )


def public_photo(session: Session, report: Report, key: str) -> Photo | None:
    """Return the report's public photo stored under ``key`` (its image or thumbnail)."""
    return session.scalar(
        select(Photo)
        .where(public_photo_condition(report.id),
               or_(Photo.storage_key == key, Photo.thumbnail_key == key))
        .limit(1)
    )  # fmt: skip
