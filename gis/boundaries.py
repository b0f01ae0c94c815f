"""Read municipal and ward boundaries from GeoJSON files, refusing what cannot be trusted."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry import shape

BUNDLED_DIR = Path(__file__).with_name("data") / "boundaries"

# A repair may remove slivers and spikes, not reshape an area: past this it is refused.
MAX_REPAIR_AREA_CHANGE = 0.001


class BoundaryError(ValueError):
    """A boundary file or feature is refused; the message names the file, feature and reason."""

    def __init__(self, source: str, feature: str | None, reason: str) -> None:
        where = f"{source}, feature {feature}" if feature else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.feature = feature
        self.reason = reason


@dataclass(frozen=True)
class AreaRecord:
    code: str
    name_ja: str
    name_en: str
    kind: str
    parent_code: str | None
    pref_ja: str | None
    geometry: MultiPolygon
    source: str | None
    attribution: str | None
    repaired: str | None = None


def bundled_file(code: str) -> Path:
    """Return the bundled boundary file for an area code."""
    matches = sorted(BUNDLED_DIR.glob(f"{code}_*.geojson"))
    if not matches:
        raise BoundaryError(str(BUNDLED_DIR), code, "no bundled boundary file for this code")
    return matches[0]


def read_files(paths: Iterable[Path]) -> list[AreaRecord]:
    """Read and validate every file before any is used, so one bad file stops them all."""
    records: dict[str, AreaRecord] = {}
    for path in paths:
        for record in read_file(path):
            records[record.code] = record
    return list(records.values())


def read_file(path: Path) -> list[AreaRecord]:
    """Return the areas of one GeoJSON file, or raise BoundaryError."""
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BoundaryError(source, None, f"cannot read the file ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise BoundaryError(source, None, f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise BoundaryError(source, None, "not a GeoJSON object")
    if data.get("type") == "Feature":
        features = [data]
    elif data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise BoundaryError(source, None, "expected a GeoJSON FeatureCollection or Feature")
    if not features:
        raise BoundaryError(source, None, "the file has no features")
    return [_record(source, i, f) for i, f in enumerate(features)]


def _record(source: str, index: int, feature: Any) -> AreaRecord:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise BoundaryError(source, f"#{index}", "not a GeoJSON Feature with properties")
    props = feature["properties"]
    code = str(props.get("code") or feature.get("id") or "")
    label = f"#{index} ({code})" if code else f"#{index}"
    if not (len(code) == 5 and code.isdigit()):
        raise BoundaryError(source, label, "needs a 5-digit local government code in 'code'")
    name = props.get("name")
    if not isinstance(name, str) or not name:
        raise BoundaryError(source, label, "needs a 'name'")
    geometry, repaired = _geometry(source, label, feature.get("geometry"))
    return AreaRecord(
        code=code,
        name_ja=name,
        name_en=str(props.get("name_en") or name),
        kind=str(props.get("kind") or "municipality"),
        parent_code=props.get("parent_code"),
        pref_ja=props.get("pref"),
        geometry=geometry,
        source=props.get("source"),
        attribution=props.get("attribution"),
        repaired=repaired,
    )


def _geometry(source: str, label: str, raw: Any) -> tuple[MultiPolygon, str | None]:
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise BoundaryError(source, label, f"geometry is {kind}; expected Polygon or MultiPolygon")
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise BoundaryError(source, label, f"malformed coordinates ({exc})") from exc
    if geom.is_empty:
        raise BoundaryError(source, label, "the geometry is empty")
    coords = shapely.get_coordinates(geom)
    bad_lon = (abs(coords[:, 0]) > 180).any()
    bad_lat = (abs(coords[:, 1]) > 90).any()
    if bad_lon or bad_lat:
        raise BoundaryError(
            source, label, "coordinates out of range: expected lon in ±180 and lat in ±90"
        )
    if geom.is_valid:
        return _multi(geom), None
    return _repair(source, label, geom)


def _repair(source: str, label: str, geom: Polygon | MultiPolygon) -> tuple[MultiPolygon, str]:
    reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom)
    parts = getattr(fixed, "geoms", [fixed])
    polygons = [g for g in parts if isinstance(g, Polygon | MultiPolygon)]
    repaired = shapely.union_all(polygons) if polygons else None
    if repaired is None or repaired.is_empty:
        raise BoundaryError(source, label, f"invalid geometry ({reason}); no area survives repair")
    change = abs(repaired.area - geom.area) / repaired.area
    if change > MAX_REPAIR_AREA_CHANGE:
        raise BoundaryError(
            source,
            label,
            f"invalid geometry ({reason}); repairing it would change its area by {change:.1%}",
        )
    return _multi(repaired), reason


def _multi(geom: Polygon | MultiPolygon) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
