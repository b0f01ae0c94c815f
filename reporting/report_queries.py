"""The one query behind every view of reports: exports, the OGC API and the staff map.

Visibility is decided here, once:

- hidden reports (moderated away) are left out unless ``Visibility.hidden`` is set, which no
  export sets: exports and the OGC API never show them, whoever asks;
- notes (the resident's free text) are included only for token holders and staff, never in
  public mode;
- nothing that identifies a resident is ever selected: no LINE user ID, no resident id.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import bbox
from gis import geojson
from gis.crs import CRS84
from gis.crs import Crs
from gis.crs import easting_northing
from gis.crs import project
from reporting.models import Area
from reporting.models import Photo
from reporting.models import Report
from reporting.report_filters import TIME_ZONE_NAME
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


def csv_rows(rows: Rows) -> Rows:
    """Return the export columns with the point as lon and lat, then the note when present."""
    row = rows.subquery("report")
    columns: list[ColumnElement[Any]] = [row.c[name] for name in EXPORT_COLUMNS]
    columns += [
        func.ST_X(row.c.location).label("lon"),
        func.ST_Y(row.c.location).label("lat"),
    ]
    if "note" in row.c:
        columns.append(row.c.note)
    return select(*columns)


# For the rest of the transaction: times written with Japan's offset (+09:00), in UTF-8, and
# no JIT compilation, which costs more than it saves on these row-by-row queries (measured:
# +1.2 s on a million-row export).
TRANSACTION_SETTINGS = (
    f"SELECT set_config('TimeZone', '{TIME_ZONE_NAME}', true),"
    " set_config('client_encoding', 'UTF8', true), set_config('jit', 'off', true)"
)


def prepare_transaction(session: Session) -> None:
    """Apply TRANSACTION_SETTINGS to the session's transaction, before reading reports."""
    session.execute(text(TRANSACTION_SETTINGS))
