"""GDAL reads Tsuho over real HTTP: the GeoJSON export, and the OGC API through OAPIF paging."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests

from reporting.settings import libpq_url
from tests.processes import gunicorn
from tests.reporting.export_world import HIDDEN_NOTE
from tests.reporting.export_world import LINE_ID
from tests.reporting.export_world import World
from tests.reporting.export_world import bearer
from tests.reporting.export_world import check_geojson
from tests.reporting.export_world import seed

pytestmark = pytest.mark.slow

PAGE_SIZE = 7


@dataclass
class Server:
    url: str
    db_url: str
    world: World
    log: Path
    tmp: Path

    def gdal(self, *args: str) -> str:
        """Run a GDAL program with the analyst's token; return its standard output."""
        env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {self.world.token}"}
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(libpq_url(self.db_url)) as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture
def server(fresh_areas_db_url: str, tmp_path: Path) -> Iterator[Server]:
    if shutil.which("ogrinfo") is None:
        pytest.fail("GDAL is missing: scripts/system-packages.sh gdal-bin (make test does this)")
    world = seed(fresh_areas_db_url)
    env = {
        "DATABASE_URL": fresh_areas_db_url,
        "SECRET_KEY": "e2e",
        "PHOTO_DIR": str(tmp_path / "photos"),
        "GUNICORN_CMD_ARGS": "--access-logfile -",
    }
    log = tmp_path / "web.log"
    with gunicorn(env, log) as url:
        yield Server(url, fresh_areas_db_url, world, log, tmp_path)


def visible_ids(server: Server) -> set[int]:
    return {row[0] for row in server.rows("SELECT id FROM reports WHERE NOT hidden")}


def test_ogrinfo_reads_the_geojson_export(server: Server) -> None:
    path = server.tmp / "reports.geojson"
    with requests.get(
        f"{server.url}/api/reports.geojson", headers=bearer(server.world), stream=True, timeout=30
    ) as response:
        assert response.status_code == 200
        path.write_bytes(b"".join(response.iter_content(1 << 16)))
    body = path.read_bytes()
    assert HIDDEN_NOTE.encode() not in body
    check_geojson(body)
    summary = server.gdal("ogrinfo", "-ro", "-so", "-al", str(path))
    assert f"Feature Count: {len(visible_ids(server))}" in summary
    assert re.search(r"created_at: DateTime", summary)
    bench = server.world.ids["bench_naka"]
    ((receipt, area),) = server.rows(
        "SELECT r.receipt_number, a.name_ja FROM reports r JOIN areas a ON a.code = r.area_code"
        " WHERE r.id = %s",
        bench,
    )
    feature = server.gdal("ogrinfo", "-ro", "-al", "-q", "-fid", str(bench), str(path))
    assert f"receipt_number (String) = {receipt}" in feature
    assert f"area_name (String) = {area}" in feature
    assert "photo_count (Integer) = 2" in feature
    assert "POINT (133.9659 34.6609)" in feature


def read_features(server: Server, *options: str) -> tuple[set[int], str]:
    """Read every report through OAPIF, PAGE_SIZE at a time; return the ids and GDAL's text."""
    listing = server.gdal(
        "ogrinfo",
        "-ro",
        "-al",
        "-q",
        f"OAPIF:{server.url}/ogc",
        "reports",
        "-oo",
        f"PAGE_SIZE={PAGE_SIZE}",
        *options,
    )
    ids = [int(i) for i in re.findall(r"^OGRFeature\(reports\):(\d+)$", listing, re.M)]
    assert len(ids) == len(set(ids))
    return set(ids), listing


def test_gdal_pages_through_the_ogc_api_to_the_full_count(server: Server) -> None:
    expected = visible_ids(server)
    assert len(expected) > 2 * PAGE_SIZE
    summary = server.gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server.url}/ogc", "reports")
    assert f"Feature Count: {len(expected)}" in summary
    ids, listing = read_features(server)
    assert ids == expected
    assert LINE_ID not in listing and HIDDEN_NOTE not in listing
    assert "area_name (String) = 岡山市中区" in listing
    pages = re.findall(r"GET /ogc/collections/reports/items\?\S*offset=\d+", server.log.read_text())
    assert len(pages) >= len(expected) // PAGE_SIZE


def test_a_gdal_bbox_filter_returns_exactly_the_reports_inside(server: Server) -> None:
    west, south, east, north = 133.86, 34.75, 133.89, 34.775
    inside = {
        row[0]
        for row in server.rows(
            "SELECT id FROM reports WHERE NOT hidden"
            " AND ST_Intersects(location, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
            west,
            south,
            east,
            north,
        )
    }
    assert 0 < len(inside) < len(visible_ids(server))
    ids, _ = read_features(server, "-spat", str(west), str(south), str(east), str(north))
    assert ids == inside
    # The server did the filtering: GDAL sent the box.
    assert "bbox=133.86" in server.log.read_text()


def test_gdal_reads_the_wards(server: Server) -> None:
    summary = server.gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server.url}/ogc", "wards")
    (count,) = server.rows("SELECT count(*) FROM areas")[0]
    assert f"Feature Count: {count}" in summary
    assert "Geometry: Multi Polygon" in summary
