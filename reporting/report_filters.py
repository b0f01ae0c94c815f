"""Reading the analysts' query parameters into a report filter, or naming the one that is wrong.

Parameters (GeoJSON and CSV exports, OGC API items):

- ``bbox=west,south,east,north`` in lon/lat (WGS 84), edges included; with ``bbox-crs``
  (where offered) in another CRS, in that CRS's axis order;
- ``datetime`` on the report's creation time: an instant or ``start/end``, ``..`` (or nothing)
  for an open end, not both; a date means the whole day; a time without an offset is Japan
  time; RFC 3339's lower-case ``t`` and ``z`` are read too;
- ``status``, ``category``, ``ward``: one value or several, comma-separated or repeated
  (``status=open`` is new, acknowledged and in progress, as in Open311);
  ``ward`` takes area codes (``33101``), and the city's code takes all its wards.
"""

from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gis import crs as crs_
from gis.bbox import Bbox
from gis.bbox import CrsBox
from gis.bbox import parse_bbox
from reporting.glossary import OPEN_STATUSES
from reporting.models import REPORT_STATUSES
from reporting.problems import BadParameter
from reporting.web import inputs

JST = inputs.JST

# Open311's word for the statuses still waiting for the city.
OPEN = "open"

FILTER_PARAMETERS = ("bbox", "datetime", "status", "category", "ward")

_OPEN = ("", "..")

Args = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class ReportFilter:
    """Which reports a request asks for; empty means no restriction."""

    bbox: Bbox | None = None
    crs_box: CrsBox | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # inclusive
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    wards: tuple[str, ...] = ()


def check_known(args: Args, known: Collection[str]) -> None:
    """Refuse parameters the endpoint does not define, so a typo never goes unnoticed."""
    for name in args:
        if name not in known:
            raise BadParameter(name, f"unknown parameter; this endpoint takes {', '.join(known)}")


def single(args: Args, name: str) -> str | None:
    """Return a parameter given at most once, or None when absent."""
    values = args.get(name, ())
    if len(values) > 1:
        raise BadParameter(name, "given more than once")
    return values[0] if values else None


def parse_report_filter(
    args: Args,
    *,
    categories: Collection[str],
    wards: Collection[str],
    crs_choices: Sequence[crs_.Crs] = (),
) -> ReportFilter:
    """Read the filter parameters; the city's categories and area codes are the valid ones.

    ``bbox-crs`` is read when ``crs_choices`` are given (the CRSs the endpoint offers).
    """
    created_from, created_to = _parse_datetime(single(args, "datetime"))
    box, crs_box = _parse_boxes(args, crs_choices)
    return ReportFilter(
        bbox=box,
        crs_box=crs_box,
        created_from=created_from,
        created_to=created_to,
        statuses=_statuses(args),
        categories=choices(args, "category", categories),
        wards=choices(args, "ward", wards),
    )


def _statuses(args: Args) -> tuple[str, ...]:
    """Read ``status``; ``open`` stands for the statuses still waiting for the city."""
    chosen = choices(args, "status", (*REPORT_STATUSES, OPEN))
    expanded = (s for status in chosen for s in (OPEN_STATUSES if status == OPEN else (status,)))
    return tuple(dict.fromkeys(expanded))


def _parse_boxes(
    args: Args, crs_choices: Sequence[crs_.Crs]
) -> tuple[Bbox | None, CrsBox | None]:
    text, crs_text = single(args, "bbox"), single(args, "bbox-crs") if crs_choices else None
    if crs_text is None:
        return _parse_bbox(text), None
    try:
        crs = crs_.find(crs_text, crs_choices)
    except ValueError as exc:
        raise BadParameter("bbox-crs", str(exc)) from None
    if crs == crs_.CRS84 or text is None:
        return _parse_bbox(text), None
    try:
        corners = crs_.parse_box(text, crs)
    except ValueError as exc:
        raise BadParameter("bbox", str(exc)) from None
    return None, CrsBox(corners, crs.srid, 10.0 if crs.projected else 0.0001)


def _parse_bbox(text: str | None) -> Bbox | None:
    if text is None:
        return None
    try:
        return parse_bbox(text)
    except ValueError as exc:
        raise BadParameter("bbox", str(exc)) from None


def choices(args: Args, name: str, allowed: Collection[str]) -> tuple[str, ...]:
    """Return a parameter's values, comma-separated or repeated, each one of ``allowed``."""
    chosen: list[str] = []
    for raw in args.get(name, ()):
        for value in raw.split(","):
            value = value.strip()
            if value not in allowed:
                shown = repr(value) if value else "an empty value"
                raise BadParameter(name, f"{shown} is not one of {', '.join(sorted(allowed))}")
            if value not in chosen:
                chosen.append(value)
    return tuple(chosen)


def _parse_datetime(text: str | None) -> tuple[datetime | None, datetime | None]:
    if text is None:
        return None, None
    try:
        if "/" not in text:
            return _moment(text, end=False), _moment(text, end=True)
        start, _, end = text.partition("/")
        if start in _OPEN and end in _OPEN:
            raise ValueError("an interval needs at least one end")
        bounds = (
            None if start in _OPEN else _moment(start, end=False),
            None if end in _OPEN else _moment(end, end=True),
        )
    except ValueError as exc:
        interval = "or an interval of them (start/end, '..' for an open end)"
        raise BadParameter("datetime", f"{exc}, {interval}") from None
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise BadParameter("datetime", "the interval ends before it starts")
    return bounds


def parse_moment(name: str, text: str, *, end: bool) -> datetime:
    """Read parameter ``name`` as one bound of a time range, as ``datetime`` reads its ends."""
    try:
        return _moment(text, end=end)
    except ValueError as exc:
        raise BadParameter(name, str(exc)) from None


def _moment(text: str, *, end: bool) -> datetime:
    """Read one bound; a date is its whole day, so it ends just before the next midnight."""
    try:
        return inputs.moment(text, end=end)
    except inputs.InvalidInput as exc:
        raise ValueError(str(exc)) from None
