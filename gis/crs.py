"""Coordinate reference systems offered beside WGS 84: JGD2011 and Japan's plane rectangular zones.

Geometry is stored in EPSG:4326 (lon/lat); PostGIS transforms it (``ST_Transform``, PROJ) for
the OGC API's ``crs`` (OGC API - Features Part 2) and the exports. Coordinates follow the axis
order of each CRS's definition, as Part 2 requires: CRS84 is lon/lat, but EPSG:4326 and
EPSG:6668 are lat/lon, and the plane rectangular zones (EPSG:6669-6687) are X (northing), Y
(easting). PostGIS works in easting/northing (lon/lat) order, so those are flipped on the way
out and a ``bbox-crs`` box is flipped on the way in.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import func

from gis.schema import SRID

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"

# JGD2011 geographic, and the 19 plane rectangular zones (I..XIX) of JGD2011.
JGD2011 = 6668
PLANE_ZONES = range(6669, 6688)


@dataclass(frozen=True)
class Crs:
    """A CRS a client may ask for: its URI, its SRID in PostGIS, and its axis order."""

    uri: str
    srid: int
    # The CRS's first axis is latitude or northing: PostGIS's x and y are swapped for it.
    flipped: bool
    # Decimals worth writing: seven for degrees (about a centimetre), three for metres.
    decimals: int

    @property
    def projected(self) -> bool:
        return self.decimals == 3

    @property
    def short(self) -> str:
        """``EPSG:6673``, or ``OGC:CRS84``."""
        return "OGC:CRS84" if self.uri == CRS84_URI else f"EPSG:{self.srid}"


CRS84 = Crs(CRS84_URI, SRID, flipped=False, decimals=7)


def epsg(code: int) -> Crs:
    """Return an EPSG CRS this module knows: 4326, 6668 or a plane rectangular zone."""
    if code in (SRID, JGD2011):
        return Crs(f"{EPSG_URI}{code}", code, flipped=True, decimals=7)
    if code in PLANE_ZONES:
        return Crs(f"{EPSG_URI}{code}", code, flipped=True, decimals=3)
    raise ValueError(f"EPSG:{code} is not offered")


def offered(zones: Sequence[int]) -> tuple[Crs, ...]:
    """Return the CRSs offered for a city: CRS84, EPSG:4326, JGD2011 and the city's zones."""
    return (CRS84, epsg(SRID), epsg(JGD2011), *(epsg(zone) for zone in zones))


_EPSG = re.compile(
    r"(?:http://www\.opengis\.net/def/crs/EPSG/0/|\[?EPSG:|urn:ogc:def:crs:EPSG::)(\d{1,6})\]?"
)
_CRS84 = (CRS84_URI, "OGC:CRS84", "[OGC:CRS84]", "urn:ogc:def:crs:OGC:1.3:CRS84", "CRS84")


def find(text: str, choices: Sequence[Crs]) -> Crs:
    """Return the offered CRS a URI (or ``EPSG:n``, ``[EPSG:n]``, a URN) names.

    Raises ValueError naming the CRSs offered.
    """
    if text.strip() in _CRS84 and CRS84 in choices:
        return CRS84
    match = _EPSG.fullmatch(text.strip())
    if match:
        for crs in choices:
            if crs.uri != CRS84_URI and crs.srid == int(match.group(1)):
                return crs
    listed = ", ".join(crs.uri for crs in choices)
    raise ValueError(f"{text!r} is not offered; ask for one of {listed}")


def project(geometry: ColumnElement[Any], crs: Crs) -> ColumnElement[Any]:
    """Return SQL for the geometry in ``crs``, its axes in the CRS's order."""
    if crs == CRS84:
        return geometry
    moved = geometry if crs.srid == SRID else func.ST_Transform(geometry, crs.srid)
    return func.ST_FlipCoordinates(moved) if crs.flipped else moved


def easting_northing(geometry: ColumnElement[Any], crs: Crs) -> ColumnElement[Any]:
    """Return SQL for the geometry in ``crs`` in x = easting (longitude), y = northing order."""
    return geometry if crs.srid == SRID else func.ST_Transform(geometry, crs.srid)


def parse_box(text: str, crs: Crs) -> tuple[float, float, float, float]:
    """Read a ``bbox`` given in ``crs`` (its axis order) as min x, min y, max x, max y in
    PostGIS's easting/northing order. Raises ValueError fit for the person who wrote it."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(f"four numbers are needed in {crs.short} (a box with heights is CRS84h)")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError("every part must be a number") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError("every part must be a finite number")
    a1, b1, a2, b2 = numbers
    if a1 > a2 or b1 > b2:
        raise ValueError("the lower corner comes first, then the upper one")
    if crs.flipped:
        a1, b1, a2, b2 = b1, a1, b2, a2
    if not crs.projected and not (-180 <= a1 <= a2 <= 180 and -90 <= b1 <= b2 <= 90):
        raise ValueError(f"outside the range of {crs.short}'s degrees (mind its axis order)")
    return a1, b1, a2, b2
