"""What the staff list and report pages read: a page of reports, one report, its neighbours.

The list reads through ``report_queries.report_rows`` (the query every view of reports
shares) and adds only what staff need beyond it: the hidden flag, priority, department and
the resident's id, which is shown as a pseudonymous label and never as a LINE user ID.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import ColumnElement
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.models import Area
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import StaffUser
from reporting.report_filters import ReportFilter
from reporting.report_queries import Visibility
from reporting.report_queries import report_rows
from reporting.triage import CLOSED

PAGE_SIZE = 50
SORTS = ("created", "updated", "status", "ward", "category")
# A pothole reported twice is usually reported from across the street, within weeks.
DUPLICATE_RADIUS_M = 50
DUPLICATE_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class ListQuery:
    """One page of the staff list: the filter, a receipt number, the order and the page."""

    report_filter: ReportFilter
    receipt: str | None = None
    sort: str = "created"
    descending: bool = True
    page: int = 1
    urgent_only: bool = False


@dataclass(frozen=True)
class ReportPage:
    """The rows of one page, how many match in all, and how many match per status."""

    rows: list[Any]
    total: int
    status_counts: dict[str, int]
    page: int

    @property
    def pages(self) -> int:
        """How many pages the matching reports fill (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class Nearby:
    """An open report near another, and how far away it is."""

    report: Report
    distance_m: float


def _matching(query: ListQuery, *, by_status: bool = True) -> Any:
    report_filter = query.report_filter
    if not by_status:
        report_filter = ReportFilter(
            bbox=report_filter.bbox,
            created_from=report_filter.created_from,
            created_to=report_filter.created_to,
            categories=report_filter.categories,
            wards=report_filter.wards,
        )
    rows = report_rows(report_filter, Visibility(notes=True, hidden=True)).subquery("r")
    selected = select(rows).join(Report, Report.id == rows.c.id)
    if query.receipt:
        selected = selected.where(rows.c.receipt_number == query.receipt.strip())
    if query.urgent_only:
        selected = selected.where(Report.urgent.is_(True))
    return rows, selected


def report_page(session: Session, query: ListQuery) -> ReportPage:
    """Return one page of the reports a staff member asked for, hidden ones included."""
    rows, selected = _matching(query)
    columns = [
        Report.hidden,
        Report.priority,
        Report.department,
        Report.resident_id,
        Report.source,
        Report.urgent,
    ]
    listed = selected.add_columns(*columns)
    order = _order(rows, query.sort)
    # Urgent reports still open come first, whatever the order asked for.
    urgent_open = Report.urgent & Report.status.not_in(CLOSED)
    listed = listed.order_by(
        urgent_open.desc(), order.desc() if query.descending else order.asc(), rows.c.id.desc()
    )
    page = max(1, query.page)
    found = list(session.execute(listed.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    total = session.scalar(select(func.count()).select_from(selected.subquery())) or 0
    _, unfiltered = _matching(query, by_status=False)
    counted = unfiltered.subquery("c")
    counts = session.execute(
        select(counted.c.status, func.count()).group_by(counted.c.status)
    ).all()
    return ReportPage(found, total, {status: n for status, n in counts}, page)


def _order(rows: Any, sort: str) -> ColumnElement[Any]:
    columns = {
        "created": rows.c.created_at,
        "updated": rows.c.updated_at,
        "status": rows.c.status,
        "ward": rows.c.area_code,
        "category": rows.c.category,
    }
    return columns.get(sort, rows.c.created_at)


def area_names(session: Session, codes: frozenset[str]) -> dict[str, Area]:
    """Return the areas with these codes by code, in code order."""
    areas = session.scalars(select(Area).where(Area.code.in_(codes)).order_by(Area.code))
    return {area.code: area for area in areas}


def photos_of(session: Session, report: Report) -> list[Photo]:
    """Return the report's photos in the order the resident sent them."""
    return list(
        session.scalars(
            select(Photo).where(Photo.report_id == report.id).order_by(Photo.position, Photo.id)
        )
    )


def history_of(session: Session, report: Report) -> list[tuple[ReportEvent, str | None]]:
    """Return the report's audit events, newest first, each with the acting staff's name."""
    name = func.coalesce(func.nullif(StaffUser.display_name, ""), StaffUser.login)
    found = session.execute(
        select(ReportEvent, name)
        .outerjoin(StaffUser, StaffUser.id == ReportEvent.staff_user_id)
        .where(ReportEvent.report_id == report.id)
        .order_by(ReportEvent.created_at.desc(), ReportEvent.id.desc())
    ).all()
    return [(event, staff) for event, staff in found]


def possible_duplicates(session: Session, report: Report, now: datetime) -> list[Nearby]:
    """Return open reports of the same category within 50 m made in the last 90 days."""
    here = cast(
        select(Report.location).where(Report.id == report.id).scalar_subquery(), Geography
    )
    there = cast(Report.location, Geography)
    distance = func.ST_Distance(there, here)
    found = session.execute(
        select(Report, distance)
        .where(
            Report.id != report.id,
            Report.category == report.category,
            Report.status.not_in(CLOSED),
            Report.created_at >= now - DUPLICATE_WINDOW,
            func.ST_DWithin(there, here, DUPLICATE_RADIUS_M),
        )
        .order_by(distance, Report.id)
    ).all()
    return [Nearby(other, float(metres)) for other, metres in found]


def by_receipt(session: Session, receipt: str) -> Report | None:
    """Return the report with this receipt number, if there is one."""
    return session.scalar(select(Report).where(Report.receipt_number == receipt.strip()))
