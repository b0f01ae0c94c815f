"""Area outlines for maps: simplified in PostGIS, small enough to embed in a page."""

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from gis.schema import Area

# About 10 m at Okayama's latitude: the outlines stay recognisable at street zoom and a
# ward's polygon shrinks from thousands of vertices to a few hundred.
SIMPLIFY_DEGREES = 0.0001
OUTLINE_DECIMALS = 5


def outlines(
    session: Session, codes: Collection[str], tolerance: float = SIMPLIFY_DEGREES
) -> dict[str, Any]:
    """Return the areas with these codes as a FeatureCollection of simplified outlines.

    A city's own outline is left out when its wards are present: the wards draw it. It is
    left out in the query, so it is not simplified for nothing (Okayama's outline has as many
    vertices as its four wards together, and simplifying is most of the map page's time).
    """
    ward = aliased(Area)
    has_wards = exists().where(ward.parent_code == Area.code, ward.code.in_(codes))
    simplified = func.ST_SimplifyPreserveTopology(Area.geom, tolerance)
    rows = session.execute(
        select(
            Area.code, Area.name_ja, Area.name_en, func.ST_AsGeoJSON(simplified, OUTLINE_DECIMALS)
        )
        .where(Area.code.in_(codes), ~has_wards)
        .order_by(Area.code)
    ).all()
    features = [
        {
            "type": "Feature",
            "id": code,
            "geometry": json.loads(geometry),
            "properties": {"code": code, "name_ja": name_ja, "name_en": name_en},
        }
        for code, name_ja, name_en, geometry in rows
    ]
    return {"type": "FeatureCollection", "features": features}
