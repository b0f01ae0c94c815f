"""The one query behind every view of reports: exports, the OGC API and the staff map.

Visibility is decided here, once:

- hidden reports (moderated away) are left out unless ``Visibility.hidden`` is set, which no
  export sets: exports and the OGC API never show them, whoever asks;
- notes (the resident's free text) are included only for token holders and staff, never in
  public mode;
- nothing that identifies a resident is ever selected: no LINE user ID, no resident id.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Numeric
from sqlalchemy import Select
from sqlalchemy import Text
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import aliased

from gis import bbox
from gis import geojson
from gis.crs import CRS84
from gis.crs import Crs
from gis.crs import easting_northing
from gis.crs import project
from reporting.models import Area
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import ReportSupporter
from reporting.report_filters import ReportFilter

# A select of rows of any shape.
Rows = Select[*tuple[Any, ...]]

# The columns of an export row, in order; ``note`` follows when the viewer may see notes.
EXPORT_COLUMNS = (
    "id",
    "receipt_number",
    "category",
    "subcategory",
    "status",
    "area_code",
    "area_name",
    "created_at",
    "updated_at",
    "resolved_at",
    "photo_count",
)


# The analysts' export row (exports and the OGC API), in order: codes with their labels, the
# triage fields, and the time of each step. ``staff_url`` and ``note`` follow for the city's
# own people. docs/analysts.md is their dictionary (a test holds the two together).
ANALYST_COLUMNS = (
    "id",
    "receipt_number",
    "category",
    "category_label",
    "subcategory",
    "subcategory_label",
    "status",
    "status_label",
    "priority",
    "priority_label",
    "urgent",
    "department",
    "source",
    "referred_to",
    "referred_to_label",
    "duplicate_of",
    "supporters",
    "address",
    "area_code",
    "area_name",
    "created_at",
    "updated_at",
    "acknowledged_at",
    "in_progress_at",
    "resolved_at",
    "closed_at",
    "photo_count",
)


@dataclass(frozen=True)
class Labels:
    """Words beside codes in one language: by category, ``category.subcategory``, status,
    priority and road manager (glossary and the city's profile)."""

    categories: Mapping[str, str] = field(default_factory=dict)
    subcategories: Mapping[str, str] = field(default_factory=dict)
    statuses: Mapping[str, str] = field(default_factory=dict)
    priorities: Mapping[int, str] = field(default_factory=dict)
    managers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Visibility:
    """What a viewer may see beyond the public record."""

    notes: bool
    hidden: bool = False


def report_rows(report_filter: ReportFilter, visibility: Visibility) -> Rows:
    """Return the select of the reports a filter matches: EXPORT_COLUMNS, [note,] location.

    Photos are counted by a join on their grouped counts rather than a subquery per row,
    so PostgreSQL may scan the reports in parallel.
    """
    photo_counts = (
        select(Photo.report_id, func.count().label("n"))
        .where(Photo.report_id.is_not(None))
        .group_by(Photo.report_id)
        .subquery("photo_counts")
    )
    columns: list[Any] = [
        Report.id,
        Report.receipt_number,
        Report.category,
        Report.subcategory,
        Report.status,
        Report.area_code,
        Area.name_ja.label("area_name"),
        Report.created_at,
        Report.updated_at,
        Report.resolved_at,
        func.coalesce(photo_counts.c.n, 0).label("photo_count"),
    ]
    if visibility.notes:
        columns.append(Report.note)
    columns.append(Report.location)
    query = (
        select(*columns)
        .select_from(Report)
        .outerjoin(Area, Area.code == Report.area_code)
        .outerjoin(photo_counts, photo_counts.c.report_id == Report.id)
    )
    if not visibility.hidden:
        query = query.where(~Report.hidden)
    return query.where(*_conditions(report_filter))


def analyst_rows(
    report_filter: ReportFilter,
    visibility: Visibility,
    labels: Labels,
    staff_url: str | None = None,
    *,
    ids: Any = None,
) -> Rows:
    """Return the select of the reports a filter matches as analysts get them:
    ANALYST_COLUMNS, [staff_url (a link to the report's page, photos there; when given and
    the viewer sees notes),] [note,] location.

    Times are cut to whole seconds (so every tool reads one format); notes have LF line ends.
    Without ``ids`` (a whole export) the counts and steps come from grouped joins, which
    PostgreSQL runs once, in parallel; with ``ids`` (a select of the ids of a page, or one id)
    from subqueries per report, through their indexes, so a page costs its own rows only.
    """
    original = aliased(Report, name="original")
    photos_n: Any
    supporters_n: Any
    in_progress_at: Any
    manager: Any
    if ids is None:
        photo_counts = (
            select(Photo.report_id, func.count().label("n"))
            .where(Photo.report_id.is_not(None))
            .group_by(Photo.report_id)
            .subquery("photo_counts")
        )
        supporters = (
            select(ReportSupporter.report_id, func.count().label("n"))
            .group_by(ReportSupporter.report_id)
            .subquery("supporters")
        )
        steps = (
            select(ReportEvent.report_id, _first_progress(), _manager())
            .where(ReportEvent.action == "status")
            .group_by(ReportEvent.report_id)
            .subquery("steps")
        )
        photos_n = func.coalesce(photo_counts.c.n, 0)
        supporters_n = func.coalesce(supporters.c.n, 0)
        in_progress_at, manager = steps.c.in_progress_at, steps.c.manager
    else:
        photos_n = _per_report(select(func.count()).where(Photo.report_id == Report.id))
        supporters_n = _per_report(
            select(func.count()).where(ReportSupporter.report_id == Report.id)
        )
        events = (ReportEvent.report_id == Report.id, ReportEvent.action == "status")
        in_progress_at = _per_report(select(_first_progress()).where(*events))
        manager = _per_report(select(_manager()).where(*events))
    referred_to = case((Report.status == "referred", manager), else_=None)
    subcategory_key = Report.category + literal(".", Text) + Report.subcategory

    def second(column: Any, name: str) -> ColumnElement[Any]:
        return func.date_trunc("second", column).label(name)

    columns: list[Any] = [
        Report.id,
        Report.receipt_number,
        Report.category,
        _label(Report.category, labels.categories, "category_label"),
        Report.subcategory,
        _label(subcategory_key, labels.subcategories, "subcategory_label"),
        Report.status,
        _label(Report.status, labels.statuses, "status_label"),
        Report.priority,
        _label(Report.priority, labels.priorities, "priority_label"),
        Report.urgent,
        Report.department,
        Report.source,
        referred_to.label("referred_to"),
        _label(referred_to, labels.managers, "referred_to_label"),
        original.receipt_number.label("duplicate_of"),
        supporters_n.label("supporters"),
        Report.address,
        Report.area_code,
        Area.name_ja.label("area_name"),
        second(Report.created_at, "created_at"),
        second(Report.updated_at, "updated_at"),
        second(Report.acknowledged_at, "acknowledged_at"),
        second(in_progress_at, "in_progress_at"),
        second(case((Report.status == "resolved", Report.resolved_at)), "resolved_at"),
        second(Report.resolved_at, "closed_at"),
        photos_n.label("photo_count"),
    ]
    if visibility.notes:
        if staff_url is not None:
            link = literal(staff_url, Text) + func.cast(Report.id, Text)
            columns.append(link.label("staff_url"))
        columns.append(func.regexp_replace(Report.note, "\r\n?", "\n", "g").label("note"))
    columns.append(Report.location)
    query = (
        select(*columns)
        .select_from(Report)
        .outerjoin(Area, Area.code == Report.area_code)
        .outerjoin(original, original.id == Report.duplicate_of_id)
    )
    if ids is None:
        query = (
            query.outerjoin(photo_counts, photo_counts.c.report_id == Report.id)
            .outerjoin(supporters, supporters.c.report_id == Report.id)
            .outerjoin(steps, steps.c.report_id == Report.id)
        )
    else:
        query = query.where(Report.id.in_(ids))
    if not visibility.hidden:
        query = query.where(~Report.hidden)
    return query.where(*_conditions(report_filter))


def report_ids(report_filter: ReportFilter, visibility: Visibility) -> Select[Any]:
    """Return the select of the ids of the reports a filter matches, joins kept to the filter's
    needs: what a page is cut from (ordered by id), and what is counted."""
    query = select(Report.id).select_from(Report)
    if report_filter.wards:
        query = query.outerjoin(Area, Area.code == Report.area_code)
    if not visibility.hidden:
        query = query.where(~Report.hidden)
    return query.where(*_conditions(report_filter))


def _first_progress() -> ColumnElement[Any]:
    first = func.min(ReportEvent.created_at).filter(ReportEvent.to_status == "in_progress")
    return first.label("in_progress_at")


def _manager() -> ColumnElement[Any]:
    manager = func.max(ReportEvent.data["manager"].astext)
    return manager.filter(ReportEvent.to_status == "referred").label("manager")


def _per_report(query: Select[Any]) -> ColumnElement[Any]:
    return query.correlate(Report).scalar_subquery()


def _label(value: Any, words: Mapping[Any, str], name: str) -> ColumnElement[Any]:
    if not words:
        return literal(None, Text).label(name)
    return case(dict(words), value=value, else_=None).label(name)


def filter_conditions(report_filter: ReportFilter) -> list[ColumnElement[bool]]:
    """Return the filter's conditions for a select of another shape, which must join Area."""
    return _conditions(report_filter)


def _conditions(f: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.bbox:
        conditions.append(bbox.intersects(Report.location, f.bbox))
    if f.crs_box:
        box = f.crs_box
        conditions.append(bbox.intersects_in(Report.location, box.corners, box.srid, box.step))
    if f.created_from:
        conditions.append(Report.created_at >= f.created_from)
    if f.created_to:
        conditions.append(Report.created_at <= f.created_to)
    if f.statuses:
        conditions.append(Report.status.in_(f.statuses))
    if f.categories:
        conditions.append(Report.category.in_(f.categories))
    if f.wards:
        # A city's code stands for all its wards.
        conditions.append(or_(Area.code.in_(f.wards), Area.parent_code.in_(f.wards)))
    return conditions


def feature_rows(
    rows: Rows, *, ordered: bool = False, crs: Crs = CRS84, axes: str = "crs"
) -> Select[str]:
    """Return a select of one GeoJSON Feature text per report row, by id when ``ordered``.

    Points are in ``crs``, in its own axis order (``axes="crs"``, as the OGC API answers) or
    easting first (``axes="xy"``, as GIS files are written). Streams are not ordered: the
    order would cost a sort of every feature, and a parallel scan is what keeps a large
    export fast.
    """
    row = rows.subquery("report")
    properties = {c.key: c for c in row.c if c.key not in ("id", "location")}
    moved = project(row.c.location, crs) if axes == "crs" else easting_northing(row.c.location, crs)
    features = select(geojson.feature_text(row.c.id, moved, properties, crs.decimals))
    return features.order_by(row.c.id) if ordered else features


def cell_counts(rows: Rows, size: float) -> Rows:
    """Return, per square grid cell of ``size`` degrees, its rows counted and their mean point.

    The grid is anchored at 0,0 rather than at the box asked for, so a cell keeps its place
    and its count while a map pans.
    """
    row = rows.subquery("report")
    lon, lat = func.ST_X(row.c.location), func.ST_Y(row.c.location)
    return select(
        func.count().label("reports"), func.avg(lon).label("lon"), func.avg(lat).label("lat")
    ).group_by(func.floor(lon / size), func.floor(lat / size))


def csv_rows(rows: Rows, crs: Crs = CRS84) -> Rows:
    """Return the row's columns with the point as lon and lat (and as x = easting, y =
    northing in ``crs`` when it is not CRS84), the note last when present."""
    row = rows.subquery("report")
    columns: list[ColumnElement[Any]] = [
        c for c in row.c if c.key not in ("location", "note")
    ]
    columns += [
        func.ST_X(row.c.location).label("lon"),
        func.ST_Y(row.c.location).label("lat"),
    ]
    if crs != CRS84:
        moved = easting_northing(row.c.location, crs)
        columns += [
            func.round(func.ST_X(moved).cast(Numeric), 3).label("x"),
            func.round(func.ST_Y(moved).cast(Numeric), 3).label("y"),
        ]
    if "note" in row.c:
        columns.append(row.c.note)
    return select(*columns)
