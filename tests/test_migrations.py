"""Migrations are reviewed code: they build the schema the models describe, and undo it."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from reporting.settings import libpq_url
from tests.conftest import Databases

ROOT = Path(__file__).resolve().parents[1]
ALEMBIC = str(Path(sys.executable).with_name("alembic"))


def alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [ALEMBIC, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_upgrade_head_on_an_empty_database_then_check_finds_no_drift(
    databases: Databases,
) -> None:
    url = databases.url(databases.create())
    upgraded = alembic(url, "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    checked = alembic(url, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr
    with psycopg.connect(libpq_url(url)) as conn:
        assert conn.execute("SELECT postgis_version()").fetchone()
        indexes = {
            row[0]
            for row in conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
            ).fetchall()
        }
    gist = [i for i in indexes if "USING gist" in i]
    assert any("areas" in i and "(geom)" in i for i in gist)
    assert any("reports" in i and "(location)" in i for i in gist)


def test_downgrade_to_base_and_up_again(databases: Databases) -> None:
    url = databases.url(databases.create())
    assert alembic(url, "upgrade", "head").returncode == 0
    down = alembic(url, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    with psycopg.connect(libpq_url(url)) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'spatial_ref_sys'"
        ).fetchall()
    assert tables == [("alembic_version",)]
    assert alembic(url, "upgrade", "head").returncode == 0
