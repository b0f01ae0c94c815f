"""The collections the OGC API serves, and their pages: ``reports`` and ``wards``.

Reports are read through report_queries, so the API shows exactly what the exports show to
the same viewer. Wards are the areas table (the service area's wards and the neighbours
loaded to name places), which has no time: ``datetime`` is accepted there and ignored.
"""

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy import Integer
from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis import bbox
from gis import crs as crs_
from gis import geojson
from gis.ogc_features import DEFAULT_LIMIT
from gis.ogc_features import MAX_LIMIT
from gis.ogc_features import Collection
from gis.ogc_features import Extent
from gis.ogc_features import QueryParameter
from reporting.analysts.exports import LANGUAGES
from reporting.analysts.exports import labels
from reporting.analysts.exports import language
from reporting.city_profile import CityProfile
from reporting.models import REPORT_STATUSES
from reporting.models import Area
from reporting.models import Report
from reporting.problems import BadParameter
from reporting.problems import NotFound
from reporting.report_filters import Args
from reporting.report_filters import ReportFilter
from reporting.report_filters import check_known
from reporting.report_filters import parse_report_filter
from reporting.report_filters import single
from reporting.report_queries import Rows
from reporting.report_queries import Visibility
from reporting.report_queries import analyst_rows
from reporting.report_queries import feature_rows
from reporting.report_queries import report_ids
from reporting.report_queries import report_rows
from reporting.web import inputs

REPORTS = "reports"
WARDS = "wards"

PAGING = ("limit", "offset", "f")
ITEM_PARAMETERS = {
    REPORTS: (*PAGING, "bbox", "bbox-crs", "crs", "datetime", "status", "category", "ward", "lang"),
    WARDS: (*PAGING, "bbox", "bbox-crs", "crs", "datetime"),
}


@dataclass(frozen=True)
class Page:
    features: list[str]
    matched: int
    offset: int
    limit: int
    crs: crs_.Crs


def offered_crs(city: CityProfile) -> tuple[crs_.Crs, ...]:
    """The CRSs the collections are served in: WGS 84, JGD2011 and the city's zones."""
    return crs_.offered(city.plane_rectangular_zones)


def chosen_crs(args: Args, city: CityProfile) -> crs_.Crs:
    """Return the CRS the ``crs`` parameter asks for (CRS84 without one), or raise."""
    text = single(args, "crs")
    if text is None:
        return crs_.CRS84
    try:
        return crs_.find(text, offered_crs(city))
    except ValueError as exc:
        raise BadParameter("crs", str(exc)) from None


def describe(city: CityProfile, extents: Mapping[str, Extent] | None = None) -> list[Collection]:
    """Return both collections, with their extents when given (see ``extents``)."""
    extents = extents or {}
    crs_uris = tuple(c.uri for c in offered_crs(city))
    categories = tuple(c.code for c in city.categories)
    return [
        Collection(
            id=REPORTS,
            title=f"{city.name_en}: damage reports",
            description=f"{city.name_ja}の道路・公園の損傷通報 (road and park damage reports)",
            extent=extents.get(REPORTS, Extent()),
            crs=crs_uris,
            parameters=(
                QueryParameter("status", "Report status.", REPORT_STATUSES),
                QueryParameter("category", "Report category.", categories),
                QueryParameter(
                    "ward",
                    "Area code; a city's code takes its wards.",
                    tuple(sorted(city.service_area)),
                ),
                QueryParameter("lang", "The labels' language (ja by default).", LANGUAGES),
            ),
        ),
        Collection(
            id=WARDS,
            title=f"{city.name_en}: wards and neighbouring municipalities",
            description="行政区域 (MLIT N03); in_service_area marks the city's own.",
            extent=extents.get(WARDS, Extent()),
            crs=crs_uris,
            feature_id="string",
            temporal=False,
        ),
    ]


def extents(session: Session, visibility: Visibility) -> dict[str, Extent]:
    """Return each collection's extent, over what this viewer may see."""
    rows = report_rows(ReportFilter(), visibility).subquery()
    return {
        REPORTS: _extent(session, rows.c.location, rows.c.created_at, rows),
        WARDS: _extent(session, Area.geom, None, Area),
    }


def find(infos: Sequence[Collection], collection_id: str) -> Collection:
    """Return the collection with this id, or raise NotFound."""
    for info in infos:
        if info.id == collection_id:
            return info
    raise NotFound(f"no collection {collection_id!r}; there are {REPORTS} and {WARDS}")


def _extent(session: Session, geometry: Any, created: Any, source: Any) -> Extent:
    box = func.ST_Extent(geometry)
    columns = [func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)]
    if created is not None:
        columns += [func.min(created), func.max(created)]
    row = session.execute(select(*columns).select_from(source)).one()
    box_value = bbox.Bbox(*row[:4]) if row[0] is not None else None
    if created is None:
        return Extent(box_value)
    return Extent(box_value, row[4], row[5])


def items_page(
    session: Session, collection_id: str, args: Args, city: CityProfile, visibility: Visibility
) -> Page:
    """Return a page of a collection's features as the query parameters ask."""
    if collection_id not in ITEM_PARAMETERS:
        raise NotFound(f"no collection {collection_id!r}; there are {REPORTS} and {WARDS}")
    check_known(args, ITEM_PARAMETERS[collection_id])
    check_format(args)
    limit, offset = _paging(args)
    crs = chosen_crs(args, city)
    report_filter = parse_report_filter(
        args,
        categories=[c.code for c in city.categories],
        wards=city.service_area,
        crs_choices=offered_crs(city),
    )
    if collection_id == REPORTS:
        count, page = _page_statements(city, language(args), crs, visibility, report_filter)
        matched = session.scalar(count) or 0
        features = list(session.scalars(page, {"page_limit": limit, "page_offset": offset}))
    else:
        wards = _ward_rows(report_filter)
        matched = _count(session, wards)
        page = wards.order_by(Area.code).limit(limit).offset(offset)
        features = list(session.scalars(_ward_features(page, crs)))
    return Page(features, matched, offset, limit, crs)


def feature(
    session: Session,
    collection_id: str,
    feature_id: str,
    visibility: Visibility,
    city: CityProfile,
    crs: crs_.Crs = crs_.CRS84,
    lang: str = "ja",
) -> str:
    """Return one feature's GeoJSON text in ``crs``, or raise NotFound."""
    text = None
    report_id = inputs.row_id(feature_id)
    if collection_id == REPORTS and report_id is not None:
        statement = _report_statement(city, lang, crs, visibility)
        text = session.scalar(statement, {"feature_id": report_id})
    elif collection_id == WARDS:
        rows = _ward_rows(ReportFilter()).where(Area.code == feature_id)
        text = session.scalar(_ward_features(rows, crs))
    elif collection_id != REPORTS:
        raise NotFound(f"no collection {collection_id!r}; there are {REPORTS} and {WARDS}")
    if text is None:
        raise NotFound(f"no feature {feature_id!r} in {collection_id}")
    return text


# One report's statement, built once per city, language, CRS and viewer: building the select
# cost more than running it (about 40 % of a request's CPU).
_REPORT_STATEMENTS: dict[tuple[str, str, crs_.Crs, Visibility], Select[str]] = {}


def _report_statement(
    city: CityProfile, lang: str, crs: crs_.Crs, visibility: Visibility
) -> Select[str]:
    key = (city.key, lang, crs, visibility)
    statement = _REPORT_STATEMENTS.get(key)
    if statement is None:
        one = select(bindparam("feature_id", type_=BigInteger))
        rows = analyst_rows(ReportFilter(), visibility, labels(city, lang), ids=one)
        statement = _REPORT_STATEMENTS[key] = feature_rows(rows, crs=crs)
    return statement


def check_format(args: Args) -> None:
    """Accept ``f=json`` or ``f=html`` (or no ``f``)."""
    f = single(args, "f")
    if f is not None and f not in ("json", "geojson", "html"):
        raise BadParameter("f", "json or html")


def _paging(args: Args) -> tuple[int, int]:
    limit = _integer(args, "limit", DEFAULT_LIMIT, minimum=1)
    # Clamped rather than refused, as the standard allows: clients asking for "all" still work.
    return min(limit, MAX_LIMIT), _integer(args, "offset", 0, minimum=0)


def _integer(args: Args, name: str, default: int, *, minimum: int) -> int:
    text = single(args, name)
    if text is None:
        return default
    try:
        return inputs.whole_number(text, minimum=minimum)
    except inputs.InvalidInput as exc:
        raise BadParameter(name, str(exc)) from None


# A page's two statements (the count and the features), built once per city, language, CRS,
# viewer and filter, the paging bound when they run: building them took a fifth of the
# server's time on a download of every feature (GDAL, QGIS), more than running them.
_PAGE_STATEMENTS: dict[tuple[Any, ...], tuple[Select[Any], Select[str]]] = {}
# Filters with boxes of every size come and go: at this many, start afresh.
PAGE_STATEMENTS_KEPT = 256


def _page_statements(
    city: CityProfile, lang: str, crs: crs_.Crs, visibility: Visibility, report_filter: ReportFilter
) -> tuple[Select[Any], Select[str]]:
    key = (city.key, lang, crs, visibility, report_filter)
    statements = _PAGE_STATEMENTS.get(key)
    if statements is None:
        if len(_PAGE_STATEMENTS) >= PAGE_STATEMENTS_KEPT:
            _PAGE_STATEMENTS.clear()
        ids = report_ids(report_filter, visibility)
        count = select(func.count()).select_from(ids.subquery())
        page_ids = (
            ids.order_by(Report.id)
            .limit(bindparam("page_limit", type_=Integer))
            .offset(bindparam("page_offset", type_=Integer))
        )
        page = analyst_rows(ReportFilter(), visibility, labels(city, lang), ids=page_ids)
        statements = _PAGE_STATEMENTS[key] = (count, feature_rows(page, ordered=True, crs=crs))
    return statements


def _count(session: Session, rows: Rows) -> int:
    return session.scalar(select(func.count()).select_from(rows.subquery())) or 0


def _ward_rows(report_filter: ReportFilter) -> Rows:
    rows = select(Area.code, Area.name_ja, Area.name_en, Area.kind, Area.in_service_area, Area.geom)
    if report_filter.bbox:
        rows = rows.where(bbox.intersects(Area.geom, report_filter.bbox))
    if report_filter.crs_box:
        box = report_filter.crs_box
        rows = rows.where(bbox.intersects_in(Area.geom, box.corners, box.srid, box.step))
    return rows


def _ward_features(rows: Rows, crs: crs_.Crs = crs_.CRS84) -> Select[str]:
    row = rows.subquery("area")
    properties = {c.key: c for c in row.c if c.key != "geom"}
    geometry = crs_.project(row.c.geom, crs)
    text = geojson.feature_text(row.c.code, geometry, properties, crs.decimals)
    return select(text).order_by(row.c.code)
