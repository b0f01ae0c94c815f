"""OGC API - Features documents, built from plain values.

Part 1: Core (OGC 17-069r4): landing page, conformance, collections with their extents and
paging links; Part 2: CRS by reference (OGC 18-058r1): each collection's ``crs`` list and
``storageCrs``. The web layer fetches the data and passes it in.
"""

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from gis import geojson
from gis.bbox import Bbox

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
HTML = "text/html"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class Extent:
    bbox: Bbox | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class QueryParameter:
    """A filter a collection's items take beyond the core ones, for the OpenAPI document."""

    name: str
    description: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    extent: Extent
    feature_id: str = "integer"  # the OpenAPI type of featureId
    parameters: tuple[QueryParameter, ...] = field(default=())
    temporal: bool = True
    crs: tuple[str, ...] = (CRS84,)  # what ``crs`` may ask for; the data is stored in CRS84


def link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def landing_page(base: str, title: str, description: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "links": [
            link(base, "self", JSON, "This document"),
            link(f"{base}/api", "service-desc", OPENAPI, "The API definition"),
            link(f"{base}/api?f=html", "service-doc", HTML, "The API documentation"),
            link(f"{base}?f=html", "alternate", HTML, "This document as HTML"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": list(CONFORMANCE)}


def collection(base: str, info: Collection) -> dict[str, Any]:
    """Return a collection's description, its extent as far as it is known."""
    url = f"{base}/collections/{info.id}"
    extent: dict[str, Any] = {}
    if info.extent.bbox:
        extent["spatial"] = {"bbox": [info.extent.bbox.as_list()], "crs": CRS84}
    if info.temporal and (info.extent.start or info.extent.end):
        interval = [_time(info.extent.start), _time(info.extent.end)]
        extent["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    return {
        "id": info.id,
        "title": info.title,
        "description": info.description,
        "links": [
            link(url, "self", JSON, "This collection"),
            link(f"{url}?f=html", "alternate", HTML, "This collection as HTML"),
            link(f"{url}/items", "items", GEOJSON, f"{info.title}: features"),
        ],
        "extent": extent,
        "itemType": "feature",
        "crs": list(info.crs),
        "storageCrs": CRS84,
    }


def collections(base: str, infos: Sequence[Collection]) -> dict[str, Any]:
    return {
        "links": [
            link(f"{base}/collections", "self", JSON, "The collections"),
            link(f"{base}/collections?f=html", "alternate", HTML, "The collections as HTML"),
        ],
        "collections": [collection(base, info) for info in infos],
    }


def items_links(
    url: str,
    args: Mapping[str, str],
    *,
    offset: int,
    limit: int,
    returned: int,
    matched: int,
    collection_url: str,
) -> list[dict[str, str]]:
    """Return an items page's links: self, next while more match, prev after the first page."""

    def page(at: int, **extra: str) -> str:
        query = {**args, "offset": str(at), "limit": str(limit), **extra}
        return f"{url}?{urlencode(query)}"

    links = [
        link(page(offset), "self", GEOJSON, "This page"),
        link(page(offset, f="html"), "alternate", HTML, "This page as HTML"),
    ]
    if offset + returned < matched:
        links.append(link(page(offset + returned), "next", GEOJSON, "Next page"))
    if offset > 0:
        links.append(link(page(max(0, offset - limit)), "prev", GEOJSON, "Previous page"))
    links.append(link(collection_url, "collection", JSON, "The collection"))
    return links


def items_document(
    url: str,
    args: Mapping[str, str],
    features: Sequence[str],
    *,
    offset: int,
    limit: int,
    matched: int,
    collection_url: str,
    now: datetime,
) -> str:
    """Return an items page: a FeatureCollection of the feature texts, with counts and links."""
    links = items_links(
        url,
        args,
        offset=offset,
        limit=limit,
        returned=len(features),
        matched=matched,
        collection_url=collection_url,
    )
    return geojson.feature_collection(
        features,
        numberMatched=matched,
        numberReturned=len(features),
        timeStamp=now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        links=links,
    )


def feature_links(url: str, collection_url: str) -> list[dict[str, str]]:
    return [
        link(url, "self", GEOJSON, "This feature"),
        link(f"{url}?f=html", "alternate", HTML, "This feature as HTML"),
        link(collection_url, "collection", JSON, "The collection"),
    ]


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
