"""Open311's GET requests: reading its query, and finding the service requests it names.

Open311 documents are made to be shown to anyone by other apps, so they are read through
report_queries with the public's visibility, whoever asks: no hidden report, no resident's
note, nothing that identifies a resident. A service request's id is its receipt number.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from geoalchemy2 import Geography
from sqlalchemy import ColumnElement
from sqlalchemy import Subquery
from sqlalchemy import and_
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.schema import SRID
from reporting import access
from reporting.city_profile import CityProfile
from reporting.open311.services import OPEN311_STATUSES
from reporting.open311.services import Service
from reporting.open311.services import services
from reporting.problems import BadParameter
from reporting.problems import NotFound
from reporting.report_filters import Args
from reporting.report_filters import ReportFilter
from reporting.report_filters import choices
from reporting.report_filters import parse_moment
from reporting.report_filters import single
from reporting.report_queries import report_rows

# The spec's response volume: at most 90 days, and the first 1000 requests.
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
# The common extensions' search around a point (lat, long, radius in metres).
DEFAULT_RADIUS = 1000
MAX_RADIUS = 50_000
MAX_PAGE = 100_000


@dataclass(frozen=True)
class RequestQuery:
    """Which service requests a client asks for; ``receipts`` overrides everything else."""

    receipts: tuple[str, ...] = ()
    services: tuple[Service, ...] = ()
    statuses: tuple[str, ...] = ()  # Tsuho's states
    start: datetime | None = None
    end: datetime | None = None
    near: tuple[float, float, float] | None = None  # lon, lat, radius in metres
    page: int = 1
    page_size: int = MAX_REQUESTS


@dataclass(frozen=True)
class RequestRow:
    """What Open311 shows of one report."""

    receipt_number: str
    category: str
    subcategory: str | None
    status: str
    area_name: str | None
    created_at: datetime
    updated_at: datetime
    lon: float
    lat: float


def parse_query(args: Args, city: CityProfile, now: datetime) -> RequestQuery:
    """Read GET requests' parameters; without dates, the last 90 days are asked for."""
    receipts = _listed(args, "service_request_id")
    if receipts:
        # "This overrides all other arguments", the spec says: no default window either.
        return RequestQuery(receipts=receipts)
    offered = {s.code: s for s in services(city)}
    start, end = _window(args, now)
    return RequestQuery(
        near=_near(args),
        page=_whole(args, "page", 1, MAX_PAGE) or 1,
        page_size=_whole(args, "page_size", 1, MAX_REQUESTS) or MAX_REQUESTS,
        services=tuple(offered[code] for code in choices(args, "service_code", offered)),
        statuses=tuple(
            state
            for status in choices(args, "status", OPEN311_STATUSES)
            for state in OPEN311_STATUSES[status]
        ),
        start=start,
        end=end,
    )


def find_requests(session: Session, query: RequestQuery) -> list[RequestRow]:
    """Return the public reports the query matches, newest first, at most MAX_REQUESTS."""
    report_filter = ReportFilter(
        created_from=query.start, created_to=query.end, statuses=query.statuses
    )
    row = report_rows(report_filter, access.PUBLIC.visibility).subquery("report")
    selected = select(
        row.c.receipt_number,
        row.c.category,
        row.c.subcategory,
        row.c.status,
        row.c.area_name,
        row.c.created_at,
        row.c.updated_at,
        func.ST_X(row.c.location),
        func.ST_Y(row.c.location),
    )
    if query.receipts:
        selected = selected.where(row.c.receipt_number.in_(query.receipts))
    if query.services:
        selected = selected.where(or_(*[_is(row, s) for s in query.services]))
    if query.near:
        lon, lat, radius = query.near
        point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)
        selected = selected.where(
            func.ST_DWithin(cast(row.c.location, Geography), cast(point, Geography), radius)
        )
    selected = selected.order_by(row.c.created_at.desc(), row.c.id.desc())
    selected = selected.limit(query.page_size).offset((query.page - 1) * query.page_size)
    return [RequestRow(*found) for found in session.execute(selected)]


def find_request(session: Session, receipt_number: str) -> RequestRow:
    """Return one public report by its receipt number, or raise NotFound."""
    found = find_requests(session, RequestQuery(receipts=(receipt_number,)))
    if not found:
        raise NotFound(f"no service request {receipt_number!r}")
    return found[0]


def _is(row: Subquery, service: Service) -> ColumnElement[bool]:
    if service.subcategory is None:
        return row.c.category == service.category
    return and_(row.c.category == service.category, row.c.subcategory == service.subcategory)


def _whole(args: Args, name: str, minimum: int, maximum: int) -> int | None:
    text = single(args, name)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= maximum:
        raise BadParameter(name, f"must be a whole number from {minimum} to {maximum}")
    return int(text)


def _number(args: Args, name: str, low: float, high: float) -> float | None:
    text = single(args, name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadParameter(name, "must be a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadParameter(name, f"must be a number from {low:g} to {high:g}")
    return value


def _near(args: Args) -> tuple[float, float, float] | None:
    """Read ``lat``, ``long`` and ``radius`` (metres): the requests within it of the point."""
    lat, lon = _number(args, "lat", -90, 90), _number(args, "long", -180, 180)
    radius = _number(args, "radius", 0, MAX_RADIUS)
    if lat is None and lon is None:
        if radius is not None:
            raise BadParameter("radius", "needs lat and long")
        return None
    if lat is None or lon is None:
        raise BadParameter("lat" if lat is None else "long", "lat and long go together")
    return lon, lat, DEFAULT_RADIUS if radius is None else radius


def _listed(args: Args, name: str) -> tuple[str, ...]:
    values = [v.strip() for raw in args.get(name, ()) for v in raw.split(",")]
    return tuple(dict.fromkeys(v for v in values if v))


def _window(args: Args, now: datetime) -> tuple[datetime | None, datetime | None]:
    """Return the creation-time range: at most 90 days; one end given, the 90 days from it."""
    start_text, end_text = single(args, "start_date"), single(args, "end_date")
    start = parse_moment("start_date", start_text, end=False) if start_text else None
    end = parse_moment("end_date", end_text, end=True) if end_text else None
    if start is None:
        return (end - WINDOW, end) if end else (now - WINDOW, None)
    if end is None:
        return start, start + WINDOW
    if end < start:
        raise BadParameter("end_date", "is before start_date")
    if end - start > WINDOW:
        raise BadParameter("end_date", "the range may not span more than 90 days")
    return start, end
