"""Clients nobody here wrote, against Tsuho under gunicorn: georeport, OWSLib, GDAL, pandas."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from georeport import GeoReport

from reporting.settings import libpq_url
from tests.conftest import Databases
from tests.processes import gunicorn
from tests.reporting.export_world import World
from tests.reporting.export_world import seed

pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    db_url: str
    world: World
    log: Path
    tmp: Path

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(libpq_url(self.db_url)) as conn:
            return conn.execute(sql, args).fetchall()

    def visible(self) -> set[int]:
        return {row[0] for row in self.rows("SELECT id FROM reports WHERE NOT hidden")}

    def gdal(self, *args: str, basic: bool = True) -> str:
        """Run a GDAL program sending the token as the Basic password, as QGIS would."""
        env = {
            **os.environ,
            "GDAL_HTTP_AUTH": "BASIC",
            "GDAL_HTTP_USERPWD": f"token:{self.world.token}",
        }
        if not basic:
            env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {self.world.token}"}
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def server(
    databases: Databases, areas_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if shutil.which("ogrinfo") is None:
        pytest.fail("GDAL is missing: scripts/system-packages.sh gdal-bin (make test does this)")
    name = databases.create(template=areas_template)
    db_url = databases.url(name)
    world = seed(db_url)
    tmp = tmp_path_factory.mktemp("clients")
    env = {
        "DATABASE_URL": db_url,
        "SECRET_KEY": "e2e",
        "PHOTO_DIR": str(tmp / "photos"),
        "GUNICORN_CMD_ARGS": "--access-logfile -",
    }
    log = tmp / "web.log"
    with gunicorn(env, log) as url:
        yield Server(url, db_url, world, log, tmp)
    databases.drop(name)


# --- Open311: the GeoReport v2 client from PyPI ----------------------------------------------


def test_georeport_lists_services_and_requests_without_a_key(server: Server) -> None:
    client = GeoReport(f"{server.url}/open311/v2", jurisdiction="city.okayama.jp")
    services = client.get_service_list()
    assert "road.pothole" in {s["service_code"] for s in services}
    found = client.get_service_requests()
    receipts = {r["service_request_id"] for r in found}
    (expected,) = zip(
        *server.rows("SELECT receipt_number FROM reports WHERE NOT hidden"), strict=True
    )
    assert receipts == set(expected)
    assert all(r["description"] is None for r in found)
    one = client.get_service_request(found[0]["service_request_id"])
    assert one[0]["service_request_id"] == found[0]["service_request_id"]
    closed = client.get_service_requests(status="closed")
    assert {r["status"] for r in closed} <= {"closed"}
    xml = GeoReport(f"{server.url}/open311/v2", output_format="xml").get_service_list()
    assert {s["service_code"] for s in xml} == {s["service_code"] for s in services}
