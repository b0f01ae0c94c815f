"""Area outlines for maps: the service area's wards, without their city drawn over them."""

from sqlalchemy import create_engine
from sqlalchemy import pool
from sqlalchemy.orm import Session

from gis.outlines import outlines

OKAYAMA = ["33100", "33101", "33102", "33103", "33104"]


def test_the_wards_are_drawn_and_their_city_is_left_out(areas_db_url: str) -> None:
    engine = create_engine(areas_db_url, poolclass=pool.NullPool)
    with Session(engine) as session:
        wards = outlines(session, OKAYAMA)
        city = outlines(session, ["33100"])
    engine.dispose()
    assert [f["id"] for f in wards["features"]] == ["33101", "33102", "33103", "33104"]
    kita = wards["features"][0]
    assert kita["properties"] == {
        "code": "33101",
        "name_ja": "岡山市北区",
        "name_en": "Kita-ku, Okayama City",
    }
    assert kita["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # Without its wards, a city draws its own outline.
    assert [f["id"] for f in city["features"]] == ["33100"]
