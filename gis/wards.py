"""Which area holds a point, how near it is to the service-area border, and storing areas."""

import math
from collections.abc import Iterable
from collections.abc import Set
from dataclasses import dataclass

from geoalchemy2.shape import from_shape
from sqlalchemy import Boolean
from sqlalchemy import Float
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from gis.boundaries import AreaRecord
from gis.schema import SRID
from gis.schema import Area

# True for a row the upsert inserted, false for one it updated (PostgreSQL's xmax).
INSERTED: ColumnClause[bool] = literal_column("xmax = 0", Boolean)

# Metres in one degree of latitude; longitude shrinks with cos(latitude).
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class AreaRef:
    code: str
    name_ja: str
    name_en: str
    kind: str
    in_service_area: bool


@dataclass(frozen=True)
class SaveResult:
    inserted: int
    updated: int
    unchanged: int


def check_lon_lat(lon: float, lat: float) -> None:
    """Refuse a coordinate that is not a finite lon/lat pair."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError("lon and lat must be finite numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"({lon}, {lat}) is not a lon/lat pair: lon in ±180, lat in ±90")


def _point(lon: float, lat: float):  # noqa: ANN202 - a SQL expression
    check_lon_lat(lon, lat)
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)


def locate(session: Session, lon: float, lat: float) -> AreaRef | None:
    """Return the most specific area covering the point (a ward before its city), or None."""
    row = session.execute(
        select(Area.code, Area.name_ja, Area.name_en, Area.kind, Area.in_service_area)
        .where(func.ST_Covers(Area.geom, _point(lon, lat)))
        .order_by(Area.parent_code.is_(None), Area.code)
        .limit(1)
    ).first()
    return AreaRef(*row) if row else None


def distance_to_service_border(
    session: Session, lon: float, lat: float, within_m: float = 100.0
) -> float | None:
    """Return metres from the point to the service area's outer border, if under ``within_m``.

    Only the service-area polygons near the point are clipped to a box twice ``within_m`` wide
    and merged, so borders between two served wards vanish and the cost stays small whatever
    the polygons' size. The box's own edges are at least ``2 * within_m`` away, so any
    distance under ``within_m`` is a real border.
    """
    point = _point(lon, lat)
    dy = 2 * within_m / METRES_PER_DEGREE
    dx = dy / max(math.cos(math.radians(lat)), 0.01)
    box = func.ST_Expand(point, dx, dy)
    near = (
        select(func.ST_Intersection(Area.geom, box).label("g"))
        .where(Area.in_service_area, Area.geom.op("&&")(box))
        .subquery()
    )
    merged = func.ST_Boundary(func.ST_Union(near.c.g))
    metres = session.execute(
        select(
            cast(
                func.ST_Distance(func.Geography(merged), func.Geography(point)),
                Float,
            )
        ).select_from(near)
    ).scalar()
    if metres is None or metres >= within_m:
        return None
    return float(metres)


def save_areas(
    session: Session, records: Iterable[AreaRecord], service_area: Set[str]
) -> SaveResult:
    """Insert or update areas; a row whose content is the same is left untouched."""
    inserted = updated = unchanged = 0
    for record in records:
        values = {
            "code": record.code,
            "name_ja": record.name_ja,
            "name_en": record.name_en,
            "kind": record.kind,
            "parent_code": record.parent_code,
            "pref_ja": record.pref_ja,
            "geom": from_shape(record.geometry, srid=SRID),
            "in_service_area": record.code in service_area,
            "source": record.source,
            "attribution": record.attribution,
        }
        insert_row = insert(Area).values(values)
        changed = [c for c in values if c != "code"]
        new = insert_row.excluded
        differs = tuple_(*[_comparable(getattr(Area, c)) for c in changed]).is_distinct_from(
            tuple_(*[_comparable(new[c]) for c in changed])
        )
        upsert = insert_row.on_conflict_do_update(
            index_elements=[Area.code],
            set_={c: new[c] for c in changed} | {"updated_at": func.now()},
            where=differs,
        ).returning(INSERTED)
        result = session.execute(upsert).scalar()
        if result is None:
            unchanged += 1
        elif result:
            inserted += 1
        else:
            updated += 1
    return SaveResult(inserted, updated, unchanged)


def _comparable(column):  # noqa: ANN001, ANN202 - SQL expressions
    # Geometries compare by their exact bytes: ST_Equals would call a reordered ring equal.
    if column.key == "geom":
        return func.ST_AsEWKB(column)
    return column
