"""Test points made from the bundled polygons: 25 m either side of shared borders."""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shapely.geometry import LineString
from shapely.geometry import MultiPolygon
from shapely.geometry import Point
from shapely.geometry import shape
from shapely.ops import linemerge

from gis.boundaries import BUNDLED_DIR

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class BorderProbe:
    """A point ``offset_m`` inside ``code`` from its border with ``other``."""

    code: str
    other: str
    lon: float
    lat: float
    offset_m: float


@cache
def polygons() -> dict[str, MultiPolygon]:
    """Every bundled area's geometry, by code."""
    result = {}
    for path in sorted(Path(BUNDLED_DIR).glob("*.geojson")):
        feature = json.loads(path.read_text(encoding="utf-8"))["features"][0]
        result[feature["properties"]["code"]] = shape(feature["geometry"])
    return result


def metres_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: well under 0.5% off over a few hundred metres."""
    k = math.cos(math.radians((lat1 + lat2) / 2))
    dx = (lon2 - lon1) * METRES_PER_DEGREE_LON_EQUATOR * k
    dy = (lat2 - lat1) * METRES_PER_DEGREE_LAT
    return math.hypot(dx, dy)


def border_probes(a: str, b: str, offset_m: float = 25.0, count: int = 3) -> list[BorderProbe]:
    """Pairs of points ``offset_m`` either side of straight stretches of the a/b border."""
    geoms = polygons()
    ga, gb = geoms[a], geoms[b]
    shared = linemerge(ga.boundary.intersection(gb.boundary))
    lines = list(getattr(shared, "geoms", [shared]))
    segments = []
    for line in lines:
        if not isinstance(line, LineString):
            continue
        coords = list(line.coords)
        segments += [
            (p, q) for p, q in zip(coords, coords[1:], strict=False) if metres_between(*p, *q) > 80
        ]
    probes: list[BorderProbe] = []
    step = max(1, len(segments) // (count * 2))
    for p, q in segments[::step]:
        pair = _either_side(a, b, ga, gb, p, q, offset_m)
        if pair:
            probes += pair
        if len(probes) >= 2 * count:
            break
    assert len(probes) >= 2, f"no straight stretch of the {a}/{b} border to probe"
    return probes


def _either_side(a, b, ga, gb, p, q, offset_m):  # noqa: ANN001, ANN202
    lon0, lat0 = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
    k = math.cos(math.radians(lat0))
    # Work in local metres so the normal is a true right angle on the ground.
    dx = (q[0] - p[0]) * METRES_PER_DEGREE_LON_EQUATOR * k
    dy = (q[1] - p[1]) * METRES_PER_DEGREE_LAT
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    result = []
    for sign in (1, -1):
        lon = lon0 + sign * nx * offset_m / (METRES_PER_DEGREE_LON_EQUATOR * k)
        lat = lat0 + sign * ny * offset_m / METRES_PER_DEGREE_LAT
        point = Point(lon, lat)
        inside = a if ga.contains(point) else b if gb.contains(point) else None
        if inside is None:
            return None
        # The nearest border must be the one we offset from, not a bend elsewhere.
        nearest = (ga if inside == a else gb).boundary.interpolate(
            (ga if inside == a else gb).boundary.project(point)
        )
        if abs(metres_between(lon, lat, nearest.x, nearest.y) - offset_m) > 1.0:
            return None
        other = b if inside == a else a
        result.append(BorderProbe(inside, other, lon, lat, offset_m))
    if {r.code for r in result} != {a, b}:
        return None
    return result
