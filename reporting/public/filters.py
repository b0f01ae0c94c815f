"""The public map's filters: kind, status and ward, read from the query string.

``status`` is one status or ``open`` (received, acknowledged or in progress). A value the
city does not have is a ValueError, which the pages answer with 400.
"""

from collections.abc import Collection
from collections.abc import Mapping
from dataclasses import dataclass

from gis import maps
from gis.bbox import Bbox
from gis.bbox import parse_bbox
from reporting.city_profile import CityProfile
from reporting.glossary import OPEN_STATUSES
from reporting.models import REPORT_STATUSES
from reporting.report_filters import ReportFilter

FILTERS = ("kind", "status", "ward")
OPEN = "open"


@dataclass(frozen=True)
class MapFilters:
    kind: str = ""
    status: str = ""
    ward: str = ""
    bbox: Bbox | None = None

    def report_filter(self) -> ReportFilter:
        statuses = OPEN_STATUSES if self.status == OPEN else (self.status,)
        return ReportFilter(
            bbox=self.bbox,
            categories=(self.kind,) if self.kind else (),
            statuses=statuses if self.status else (),
            wards=(self.ward,) if self.ward else (),
        )

    def args(self) -> dict[str, str]:
        """The chosen filters as query parameters."""
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}


def parse_filters(
    args: Mapping[str, str],
    city: CityProfile,
    *,
    extra: Collection[str] = (),
    need_bbox: bool = False,
) -> MapFilters:
    """Read the filters; an unknown parameter or value is a ValueError naming it."""
    for name in args:
        if name not in FILTERS and name not in extra:
            raise ValueError(f"unknown parameter {name!r}")
    kind = _one_of(args, "kind", [c.code for c in city.categories])
    status = _one_of(args, "status", (OPEN, *REPORT_STATUSES))
    ward = _one_of(args, "ward", city.service_area)
    box = None
    if need_bbox or args.get("bbox"):
        try:
            box = parse_bbox(args.get("bbox", ""))
        except ValueError as exc:
            raise ValueError(f"bbox: {exc}") from None
    return MapFilters(kind, status, ward, box)


def parse_zoom(text: str | None) -> int:
    """The map's zoom level, 0 to the deepest the tiles go."""
    if text is None or not text.isdigit() or len(text) > 2 or int(text) > maps.MAX_ZOOM:
        raise ValueError(f"zoom: a whole number from 0 to {maps.MAX_ZOOM}")
    return int(text)


def _one_of(args: Mapping[str, str], name: str, allowed: Collection[str]) -> str:
    value = args.get(name, "")
    if value and value not in allowed:
        raise ValueError(f"{name}: {value[:40]!r} is not one of {', '.join(sorted(allowed))}")
    return value
