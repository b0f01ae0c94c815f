"""Reading boundary files: the bundled ones pass, malformed ones are refused with a reason."""

import json
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon

from gis.boundaries import BUNDLED_DIR
from gis.boundaries import BoundaryError
from gis.boundaries import bundled_file
from gis.boundaries import read_file
from gis.boundaries import read_files

SQUARE = [[133.90, 34.60], [133.91, 34.60], [133.91, 34.61], [133.90, 34.61], [133.90, 34.60]]


def feature(geometry: dict, code: str = "99999", name: str = "試験区") -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "name_en": "Test Ward"},
        "geometry": geometry,
    }


def write(tmp_path: Path, data: object, name: str = "areas.geojson") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def test_every_bundled_file_reads_as_one_multipolygon() -> None:
    files = sorted(BUNDLED_DIR.glob("*.geojson"))
    assert len(files) == 22
    records = read_files(files)
    assert len(records) == 22
    for record in records:
        assert isinstance(record.geometry, MultiPolygon)
        assert record.geometry.is_valid
        assert record.repaired is None
        assert "国土数値情報" in (record.attribution or "")


def test_bundled_file_is_found_by_code() -> None:
    assert bundled_file("13110").name == "13110_meguro.geojson"
    with pytest.raises(BoundaryError, match="no bundled boundary file"):
        bundled_file("99999")


def test_a_polygon_becomes_a_multipolygon(tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [SQUARE]})))
    (record,) = read_file(path)
    assert isinstance(record.geometry, MultiPolygon)
    assert (record.code, record.name_ja, record.name_en) == ("99999", "試験区", "Test Ward")


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2, 3]", "not a GeoJSON object"),
        (json.dumps({"type": "Topology"}), "expected a GeoJSON FeatureCollection"),
        (json.dumps(collection()), "no features"),
        (
            json.dumps(collection(feature({"type": "LineString", "coordinates": SQUARE}))),
            "geometry is LineString; expected Polygon or MultiPolygon",
        ),
        (
            json.dumps(collection(feature({"type": "Polygon", "coordinates": [[[1, 2], [3]]]}))),
            "malformed coordinates",
        ),
        (
            json.dumps(
                collection(
                    feature(
                        {
                            "type": "Polygon",
                            "coordinates": [[[133.9, 34.6], [133.91, 200.0], [133.92, 34.6],
                                             [133.9, 34.6]]],
                        }
                    )
                )
            ),
            "coordinates out of range",
        ),
        (
            json.dumps(
                collection(
                    feature(
                        {
                            "type": "Polygon",
                            # A bow tie: two triangles meeting where the ring crosses itself.
                            "coordinates": [[[133.90, 34.60], [133.92, 34.62], [133.92, 34.60],
                                             [133.90, 34.62], [133.90, 34.60]]],
                        }
                    )
                )
            ),
            "Self-intersection",
        ),
        (
            json.dumps(collection(feature({"type": "Polygon", "coordinates": [SQUARE]}, code="1"))),
            "5-digit local government code",
        ),
    ],
    ids=[
        "not-json",
        "not-object",
        "not-features",
        "empty",
        "linestring",
        "malformed",
        "latitude-200",
        "self-intersecting",
        "bad-code",
    ],
)
def test_malformed_files_are_refused_with_their_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(BoundaryError) as caught:
        read_file(path)
    assert reason in str(caught.value)
    assert str(path) in str(caught.value)


def test_the_refusal_names_the_feature(tmp_path: Path) -> None:
    good = feature({"type": "Polygon", "coordinates": [SQUARE]}, code="99998")
    bad = feature({"type": "LineString", "coordinates": SQUARE}, code="99999")
    with pytest.raises(BoundaryError) as caught:
        read_file(write(tmp_path, collection(good, bad)))
    assert caught.value.feature == "#1 (99999)"


def test_a_tiny_self_intersection_is_repaired_and_says_so(tmp_path: Path) -> None:
    # The top edge crosses itself in a loop a few centimetres wide: repair keeps the area.
    ring = [[0, 0], [1, 0], [1, 1], [0.5, 1], [0.5002, 1.0001], [0.5001, 0.9999], [0, 1], [0, 0]]
    ring = [[133.9 + x / 100, 34.6 + y / 100] for x, y in ring]
    (record,) = read_file(write(tmp_path, feature({"type": "Polygon", "coordinates": [ring]})))
    assert record.geometry.is_valid
    assert "Self-intersection" in (record.repaired or "")


def test_one_bad_file_stops_the_whole_read(tmp_path: Path) -> None:
    square = collection(feature({"type": "Polygon", "coordinates": [SQUARE]}))
    good = write(tmp_path, square, "a.json")
    bad = write(tmp_path, "{", "b.json")
    with pytest.raises(BoundaryError, match="b.json"):
        read_files([good, bad])
