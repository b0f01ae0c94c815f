"""Bounding boxes in lon/lat: reading them from text, and the SQL test for geometries in one."""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy.orm import QueryableAttribute

from gis.schema import SRID


@dataclass(frozen=True)
class Bbox:
    """West, south, east, north in degrees; west > east when the box crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    def as_list(self) -> list[float]:
        return [self.west, self.south, self.east, self.north]


@dataclass(frozen=True)
class CrsBox:
    """A box in another CRS: min x, min y, max x, max y (x = easting) in ``srid``."""

    corners: tuple[float, float, float, float]
    srid: int
    # How finely its edges are followed back to lon/lat, in the CRS's unit.
    step: float


def parse_bbox(text: str) -> Bbox:
    """Read ``west,south,east,north`` (or the six numbers of a 3D box, heights ignored).

    Raises ValueError with a message fit for the person who wrote the value.
    """
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise ValueError("four numbers are needed: west,south,east,north (lon/lat, WGS 84)")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValueError("every part must be a number") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValueError("every part must be a finite number")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if not all(-180 <= lon <= 180 for lon in (west, east)):
        raise ValueError("longitudes must be within -180..180 (the order is lon,lat)")
    if not all(-90 <= lat <= 90 for lat in (south, north)):
        raise ValueError("latitudes must be within -90..90 (the order is west,south,east,north)")
    if south > north:
        raise ValueError("south is greater than north")
    return Bbox(west, south, east, north)


def _envelope(west: float, south: float, east: float, north: float) -> ColumnElement[Any]:
    return func.ST_MakeEnvelope(west, south, east, north, SRID)


def intersects(
    geometry: ColumnElement[Any] | QueryableAttribute[Any], box: Bbox
) -> ColumnElement[bool]:
    """Return the condition that a geometry touches the box (edges included), index-backed.

    Within distance 0 rather than ST_Intersects: a box of zero size (a point's own bbox, as a
    client asks for what is at a point) is a degenerate polygon that intersects nothing.
    """
    if box.west <= box.east:
        return _touches(geometry, _envelope(*box.as_list()))
    # Across the antimeridian: the part east of it, then the part west of it.
    return or_(
        _touches(geometry, _envelope(box.west, box.south, 180, box.north)),
        _touches(geometry, _envelope(-180, box.south, box.east, box.north)),
    )


def _touches(geometry: Any, envelope: ColumnElement[Any]) -> ColumnElement[bool]:
    return func.ST_DWithin(geometry, envelope, 0)


def intersects_in(
    geometry: ColumnElement[Any] | QueryableAttribute[Any],
    corners: tuple[float, float, float, float],
    srid: int,
    step: float,
) -> ColumnElement[bool]:
    """Return the condition that a geometry touches a box given in another CRS (``srid``,
    x = easting): exact in that CRS, and index-backed by the box carried back to lon/lat
    (its edges densified every ``step`` of the CRS's unit, as they curve there, and a little
    margin)."""
    box = func.ST_MakeEnvelope(*corners, srid)
    back = func.ST_Expand(func.ST_Transform(func.ST_Segmentize(box, step), SRID), 0.0001)
    return func.ST_DWithin(geometry, back, 0) & func.ST_DWithin(
        func.ST_Transform(geometry, srid), box, 0
    )
