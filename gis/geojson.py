"""GeoJSON (RFC 7946) from PostGIS: the one place geometry becomes GeoJSON.

PostgreSQL writes each Feature as compact JSON text, so an export is the database's output
passed along with commas between features: no Python object per feature, and the query may
run in parallel. Coordinates are lon, lat in WGS 84, as RFC 7946 requires, with no ``crs``.
"""

import json
from collections.abc import Iterable
from collections.abc import Mapping
from functools import reduce
from operator import add
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy import ColumnElement
from sqlalchemy import Integer
from sqlalchemy import Text
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import literal_column

MEDIA_TYPE = "application/geo+json"

# Seven decimals are about a centimetre; RFC 7946 (section 11.2) advises no more.
COORDINATE_DECIMALS = 7

# A collection is written as lines: the head, then one feature a line, each after the first
# led by a comma, then the tail. Streams and pages produce the same bytes.
FEATURE_SEPARATOR = ","


def _sql_text(text: str) -> ColumnElement[str]:
    """A SQL string constant (our own text, never user input), kept in the statement itself."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def json_text(value: ColumnElement[Any]) -> ColumnElement[str]:
    """Return SQL for the JSON text of a value; SQL NULL becomes ``null``."""
    if isinstance(value.type, (Integer, Boolean)):
        # Their SQL text is already JSON, and a cast costs far less than to_json().
        return func.coalesce(cast(value, Text), _sql_text("null"))
    return func.coalesce(cast(func.to_json(value), Text), _sql_text("null"))


def geometry_text(
    geometry: ColumnElement[Any], decimals: int = COORDINATE_DECIMALS
) -> ColumnElement[str]:
    """Return SQL for a PostGIS geometry as a GeoJSON geometry object (``null`` when empty)."""
    return func.coalesce(func.ST_AsGeoJSON(geometry, decimals), _sql_text("null"))


def feature_text(
    feature_id: ColumnElement[Any],
    geometry: ColumnElement[Any],
    properties: Mapping[str, ColumnElement[Any]],
    decimals: int = COORDINATE_DECIMALS,
) -> ColumnElement[str]:
    """Return SQL building one Feature as JSON text, its properties in the order given.

    Times are written by PostgreSQL as ISO 8601 with the session's time-zone offset.
    """
    parts: list[ColumnElement[str]] = [
        _sql_text('{"type":"Feature","id":'),
        json_text(feature_id),
        _sql_text(',"geometry":'),
        geometry_text(geometry, decimals),
        _sql_text(',"properties":{'),
    ]
    for i, (name, value) in enumerate(properties.items()):
        key = json.dumps(name, ensure_ascii=False)
        parts += [_sql_text(("," if i else "") + key + ":"), json_text(value)]
    parts.append(_sql_text("}}"))
    return reduce(add, parts)


def collection_head(**members: Any) -> str:
    """Return the opening of a FeatureCollection, up to the first feature."""
    head = {"type": "FeatureCollection", **members}
    return json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"features":[\n'


COLLECTION_TAIL = "]}\n"


def feature_collection(features: Iterable[str], **members: Any) -> str:
    """Return a whole FeatureCollection from feature texts (for pages, not streams)."""
    lines = (feature + "\n" for feature in features)
    return collection_head(**members) + FEATURE_SEPARATOR.join(lines) + COLLECTION_TAIL
