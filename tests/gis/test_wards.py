"""Placing points in areas, against real PostGIS and the bundled N03 polygons."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import pool
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis import wards
from gis.boundaries import BUNDLED_DIR
from gis.boundaries import read_files
from gis.schema import Area
from tests.gis.borders import border_probes
from tests.gis.borders import polygons

# Pairs that share a border, across the three cities' areas.
SHARED_BORDERS = [
    ("33101", "33102"),
    ("33102", "33103"),
    ("33102", "33104"),
    ("33101", "33202"),
    ("33104", "33204"),
    ("33103", "33213"),
    ("13110", "13109"),
    ("13110", "13112"),
    ("13110", "13113"),
    ("13110", "13111"),
    ("13123", "13122"),
    ("13123", "12203"),
    ("13108", "13123"),
]
# Okayama is the service area in these tests: its wards and its neighbours.
SERVICE_EDGES = [("33101", "33202"), ("33104", "33204"), ("33103", "33213"), ("33101", "33208")]
INNER_BORDERS = [("33101", "33102"), ("33102", "33103"), ("33102", "33104")]
SEA = [(134.10, 34.45), (133.95, 34.42), (139.85, 35.55), (139.80, 35.58), (139.90, 35.60)]
INTERIOR = {
    "33101": (133.9195, 34.6551),  # JR Okayama station area
    "33102": (133.9490, 34.6620),
    "33103": (134.0290, 34.6800),
    "33104": (133.9200, 34.5800),
    "13110": (139.6982, 35.6413),  # Meguro ward office
    "13123": (139.8683, 35.7066),  # Edogawa ward office
    "33202": (133.7720, 34.5850),  # Kurashiki
    "12227": (139.8990, 35.6530),  # Urayasu
}


@pytest.fixture
def session(areas_db_url: str):
    engine = create_engine(areas_db_url, poolclass=pool.NullPool)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.mark.parametrize("code", sorted(INTERIOR))
def test_interior_points_are_in_their_area(session: Session, code: str) -> None:
    lon, lat = INTERIOR[code]
    area = wards.locate(session, lon, lat)
    assert area is not None
    assert area.code == code


def test_a_ward_is_named_before_its_city(session: Session) -> None:
    area = wards.locate(session, *INTERIOR["33102"])
    assert area is not None
    assert (area.code, area.name_ja, area.in_service_area) == ("33102", "岡山市中区", True)


@pytest.mark.parametrize("pair", SHARED_BORDERS, ids=lambda p: "/".join(p))
def test_points_25_m_either_side_of_a_border(session: Session, pair: tuple[str, str]) -> None:
    probes = border_probes(*pair)
    for probe in probes:
        area = wards.locate(session, probe.lon, probe.lat)
        assert area is not None, probe
        assert area.code == probe.code, probe


@pytest.mark.parametrize("lon, lat", SEA)
def test_sea_points_are_in_no_area(session: Session, lon: float, lat: float) -> None:
    assert wards.locate(session, lon, lat) is None


@pytest.mark.parametrize("pair", SERVICE_EDGES, ids=lambda p: "/".join(p))
def test_distance_to_the_service_border_from_either_side(
    session: Session, pair: tuple[str, str]
) -> None:
    for probe in border_probes(*pair):
        metres = wards.distance_to_service_border(session, probe.lon, probe.lat, within_m=60)
        assert metres == pytest.approx(probe.offset_m, abs=1.5), probe


@pytest.mark.parametrize("pair", INNER_BORDERS, ids=lambda p: "/".join(p))
def test_borders_between_served_wards_are_not_service_borders(
    session: Session, pair: tuple[str, str]
) -> None:
    outline = polygons()["33100"].boundary
    from shapely.geometry import Point

    probes = [p for p in border_probes(*pair) if outline.distance(Point(p.lon, p.lat)) > 0.005]
    assert probes
    for probe in probes:
        assert wards.distance_to_service_border(session, probe.lon, probe.lat, 60) is None


def test_far_from_any_border_is_none(session: Session) -> None:
    assert wards.distance_to_service_border(session, *INTERIOR["33101"]) is None
    assert wards.distance_to_service_border(session, *INTERIOR["13110"]) is None


@pytest.mark.parametrize(
    "lon, lat", [(200.0, 34.0), (133.9, 95.0), (float("nan"), 34.0), (133.9, float("inf"))]
)
def test_out_of_range_coordinates_are_refused(session: Session, lon: float, lat: float) -> None:
    with pytest.raises(ValueError, match="lon"):
        wards.locate(session, lon, lat)


def test_saving_every_bundled_file_twice_changes_nothing_the_second_time(
    fresh_db_url: str,
) -> None:
    engine = create_engine(fresh_db_url, poolclass=pool.NullPool)
    records = read_files(sorted(BUNDLED_DIR.glob("*.geojson")))
    with Session(engine) as session:
        first = wards.save_areas(session, records, {"13110"})
        session.commit()
        stamps = dict(session.execute(select(Area.code, Area.updated_at)).all())
        second = wards.save_areas(session, records, {"13110"})
        session.commit()
        assert dict(session.execute(select(Area.code, Area.updated_at)).all()) == stamps
        assert session.scalar(select(func.count()).where(func.ST_IsValid(Area.geom))) == 22
    engine.dispose()
    assert (first.inserted, first.updated, first.unchanged) == (22, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 22)


def test_a_changed_service_area_updates_only_what_changed(fresh_db_url: str) -> None:
    engine = create_engine(fresh_db_url, poolclass=pool.NullPool)
    records = read_files(sorted(BUNDLED_DIR.glob("131*.geojson")))
    with Session(engine) as session:
        wards.save_areas(session, records, {"13110"})
        result = wards.save_areas(session, records, {"13110", "13109"})
        served = session.scalars(select(Area.code).where(Area.in_service_area)).all()
    engine.dispose()
    assert (result.inserted, result.updated) == (0, 1)
    assert sorted(served) == ["13109", "13110"]
