"""What the staff list and report pages read: a page of reports, one report, its neighbours.

The list filters with ``report_queries.filter_conditions`` (the conditions every view of
reports shares) and selects only what its rows show; it includes what staff alone see: the
hidden flag, priority, department and the resident's id, which is shown as a pseudonymous
label and never as a LINE user ID.
"""

from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from reporting.models import REPORT_STATUSES
from reporting.models import Area
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import StaffUser
from reporting.report_queries import filter_conditions
from reporting.staff.listing import ListQuery
from reporting.triage import CLOSED

PAGE_SIZE = 50
# A pothole reported twice is usually reported from across the street, within weeks.
DUPLICATE_RADIUS_M = 50
DUPLICATE_WINDOW = timedelta(days=90)
# Open reports drawn around a report on its map.
NEARBY_RADIUS_M = 300
NEARBY_LIMIT = 100
# A degree of longitude is at least this many metres up to 63° of latitude: a box of
# metres / METRES_PER_DEGREE degrees around a point holds every point within those metres.
METRES_PER_DEGREE = 50_000

LIST_COLUMNS = (
    Report.id,
    Report.receipt_number,
    Report.category,
    Report.subcategory,
    Report.status,
    Report.area_code,
    Area.name_ja.label("area_name"),
    Report.created_at,
    Report.updated_at,
    Report.note,
    Report.hidden,
    Report.priority,
    Report.department,
    Report.resident_id,
    Report.source,
    Report.urgent,
)


@dataclass(frozen=True)
class ReportPage:
    """The rows of one page, how many match, and how many shown and hidden match per status."""

    rows: list[Any]
    total: int
    status_counts: dict[str, int]
    hidden_count: int
    page: int
    thumbnails: dict[int, str]

    @property
    def pages(self) -> int:
        """How many pages the matching reports fill (at least one)."""
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class Nearby:
    """An open report near another, and how far away it is."""

    report: Report
    distance_m: float


def _sort_key(sort: str) -> ColumnElement[Any]:
    if sort == "status":
        return case({s: i for i, s in enumerate(REPORT_STATUSES)}, value=Report.status)
    keys: dict[str, Any] = {
        "updated": Report.updated_at,
        "ward": func.coalesce(Report.area_code, ""),
        "category": Report.category,
        "priority": Report.priority,
    }
    return keys.get(sort, Report.created_at)


def _matching(query: ListQuery, *, by_status: bool = True) -> list[ColumnElement[bool]]:
    report_filter = query.report_filter
    if not by_status:
        report_filter = replace(report_filter, statuses=())
    conditions = filter_conditions(report_filter)
    if query.receipt:
        conditions.append(Report.receipt_number == query.receipt)
    if query.urgent_only:
        conditions.append(Report.urgent.is_(True))
    return conditions


def _urgent_rank(descending: bool) -> ColumnElement[int]:
    # Urgent reports still open come first, whichever way the list is sorted: the rank leads
    # the order in the list's own direction, so previous and next can compare one tuple.
    urgent_open = and_(Report.urgent.is_(True), Report.status.not_in(CLOSED))
    first, rest = (1, 0) if descending else (0, 1)
    return case((urgent_open, first), else_=rest)


def _order(query: ListQuery) -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    return (_urgent_rank(query.descending), _sort_key(query.sort), Report.id.expression)


def _visible(query: ListQuery) -> list[ColumnElement[bool]]:
    # A receipt number finds its report, hidden or not.
    return [] if query.receipt else [Report.hidden.is_(query.hidden)]


def _reports(*columns: Any) -> Select[Any]:
    return select(*columns).select_from(Report).outerjoin(Area, Area.code == Report.area_code)


def report_page(session: Session, query: ListQuery) -> ReportPage:
    """Return one page of the reports a staff member asked for, and the counts beside it."""
    columns = _order(query)
    order = [c.desc() if query.descending else c.asc() for c in columns]
    page = max(1, query.page)
    rows = list(
        session.execute(
            _reports(*LIST_COLUMNS)
            .where(*_matching(query), *_visible(query))
            .order_by(*order)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    counts = session.execute(
        _reports(Report.hidden, Report.status, func.count())
        .where(*_matching(query, by_status=False))
        .group_by(Report.hidden, Report.status)
    ).all()
    shown = query.shown_statuses()
    visible = {query.hidden} if not query.receipt else {False, True}
    return ReportPage(
        rows=rows,
        total=sum(n for hidden, status, n in counts if hidden in visible and status in shown),
        status_counts={status: n for hidden, status, n in counts if not hidden},
        hidden_count=sum(n for hidden, _, n in counts if hidden),
        page=page,
        thumbnails=thumbnails(session, [row.id for row in rows]),
    )


def thumbnails(session: Session, report_ids: Collection[int]) -> dict[int, str]:
    """Return the thumbnail key of each report's first photo from the resident."""
    if not report_ids:
        return {}
    first = (
        select(Photo.report_id, Photo.thumbnail_key)
        .where(Photo.report_id.in_(report_ids), Photo.kind == "resident")
        .order_by(Photo.report_id, Photo.position, Photo.id)
        .ext(distinct_on(Photo.report_id))
    )
    return {report_id: key for report_id, key in session.execute(first) if report_id is not None}


def neighbours(session: Session, query: ListQuery, report: Report) -> tuple[int | None, int | None]:
    """Return the reports before and after this one in the list's filter and order.

    The report need not match the filter any more (it may just have changed status): its
    neighbours are the reports that would sit around it.
    """
    rank, key, _ = columns = _order(query)
    here_rank, here = session.execute(select(rank, key).where(Report.id == report.id)).one()
    position = tuple_(*columns)
    mark = tuple_(here_rank, here, report.id)

    def first(after: bool) -> int | None:
        # ``rank <= here`` (or >=) repeats the tuple's lead so an index can serve it.
        down = after == query.descending
        where = (
            and_(rank <= here_rank, position < mark)
            if down
            else and_(rank >= here_rank, position > mark)
        )
        order = [c.desc() if down else c.asc() for c in columns]
        found = session.execute(
            _reports(Report.id)
            .where(*_matching(query), *_visible(query), where)
            .order_by(*order)
            .limit(1)
        ).scalar()
        return int(found) if found is not None else None

    return first(after=False), first(after=True)


def area_names(session: Session, codes: Iterable[str]) -> dict[str, Area]:
    """Return the areas with these codes by code, in code order."""
    areas = session.scalars(select(Area).where(Area.code.in_(list(codes))).order_by(Area.code))
    return {area.code: area for area in areas}


def photos_of(session: Session, report: Report, kind: str = "resident") -> list[Photo]:
    """Return the report's photos of a kind, the resident's in the order they were sent."""
    return list(
        session.scalars(
            select(Photo)
            .where(Photo.report_id == report.id, Photo.kind == kind)
            .order_by(Photo.position, Photo.id)
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


def _within(report: Report, metres: float) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """Return the test for reports within ``metres`` of this one, and their distance.

    The box test on the geometry lets the spatial index find the candidates; the distance is
    measured on the spheroid.
    """
    point = select(Report.location).where(Report.id == report.id).scalar_subquery()
    distance = func.ST_Distance(cast(Report.location, Geography), cast(point, Geography))
    near = and_(
        func.ST_DWithin(Report.location, point, metres / METRES_PER_DEGREE),
        func.ST_DWithin(cast(Report.location, Geography), cast(point, Geography), metres),
    )
    return near, distance


def possible_duplicates(session: Session, report: Report, now: datetime) -> list[Nearby]:
    """Return open reports of the same category within 50 m made in the last 90 days."""
    near, distance = _within(report, DUPLICATE_RADIUS_M)
    found = session.execute(
        select(Report, distance)
        .where(
            Report.id != report.id,
            Report.category == report.category,
            Report.status.not_in(CLOSED),
            Report.created_at >= now - DUPLICATE_WINDOW,
            near,
        )
        .order_by(distance, Report.id)
    ).all()
    return [Nearby(other, float(metres)) for other, metres in found]


def open_nearby(session: Session, report: Report) -> list[dict[str, Any]]:
    """Return the shown open reports around this one, nearest first, for its map."""
    near, distance = _within(report, NEARBY_RADIUS_M)
    found = session.execute(
        select(
            Report.id, Report.receipt_number, Report.status,
            func.ST_X(Report.location), func.ST_Y(Report.location),
        )  # fmt: skip
        .where(Report.id != report.id, ~Report.hidden, Report.status.not_in(CLOSED), near)
        .order_by(distance)
        .limit(NEARBY_LIMIT)
    ).all()
    return [
        {"id": id_, "receipt": receipt, "status": status, "lon": lon, "lat": lat}
        for id_, receipt, status, lon, lat in found
    ]


def by_receipt(session: Session, receipt: str) -> Report | None:
    """Return the report with this receipt number, if there is one."""
    return session.scalar(select(Report).where(Report.receipt_number == receipt.strip()))


def coordinates(session: Session, report: Report) -> tuple[float, float]:
    """Return the report's point as (lon, lat)."""
    lon, lat = session.execute(
        select(func.ST_X(Report.location), func.ST_Y(Report.location)).where(
            Report.id == report.id
        )
    ).one()
    return float(lon), float(lat)
