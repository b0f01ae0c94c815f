"""Throwaway databases of generated reports for the benchmarks.

`server_url()` names the PostgreSQL server (TEST_DATABASE_URL, DATABASE_URL, else the one
`scripts/localdb.sh start` prints); `throwaway_database()` creates a database there and drops
it afterwards; `prepare()` migrates it, loads Okayama's areas and generates the reports in SQL:
points spread by ST_GeneratePoints inside the four wards, every report with a resident, one in
ten with a note, one in fifty hidden, statuses and categories in turn.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gis.boundaries import BUNDLED_DIR  # noqa: E402
from gis.boundaries import read_files  # noqa: E402
from gis.wards import save_areas  # noqa: E402
from reporting.city_profile import load_profile  # noqa: E402
from reporting.settings import database_url  # noqa: E402
from reporting.settings import libpq_url  # noqa: E402

WARDS = ("33101", "33102", "33103", "33104")

RESIDENTS = """
INSERT INTO residents (line_user_id) SELECT 'U' || md5(i::text) FROM generate_series(1, 1000) i
"""

REPORTS = """
WITH points AS (
    SELECT a.code, (ST_Dump(ST_GeneratePoints(a.geom, %(per_ward)s, 5))).geom AS g
    FROM areas a WHERE a.code IN ('33101', '33102', '33103', '33104')
), numbered AS (
    SELECT row_number() OVER () AS n, code, g FROM points
)
INSERT INTO reports (receipt_number, category, subcategory, status, location, area_code,
                     note, resident_id, hidden, created_at, updated_at, resolved_at)
SELECT to_char(t, 'YYMM') || '-' || lpad(n::text, 7, '0'),
       (ARRAY['road', 'park'])[1 + n %% 2],
       (ARRAY['pothole', 'crack', 'bench', 'other'])[1 + n %% 4],
       (ARRAY['new', 'acknowledged', 'in_progress', 'resolved', 'rejected', 'referred'])
           [1 + n %% 6],
       g, code,
       CASE WHEN n %% 10 = 0 THEN '歩道に穴, "深い" ' || n END,
       1 + n %% 1000, n %% 50 = 0, t, t,
       CASE WHEN n %% 6 = 3 THEN t + interval '3 days' END
FROM numbered, LATERAL (SELECT timestamptz '2024-01-01 00:00+09' + n * interval '63 s' AS t) x
WHERE n <= %(rows)s
"""


def server_url() -> str:
    """Return the libpq URL of the server the benchmark's database is created on."""
    given = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not given:
        started = subprocess.run(
            [str(ROOT / "scripts" / "localdb.sh"), "start"],
            check=True, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        given = started.stdout.strip().splitlines()[-1]
    return libpq_url(database_url(given))


@contextlib.contextmanager
def throwaway_database(server: str, keep: bool, prefix: str = "tsuho_bench") -> Iterator[str]:
    """Create a database on the server, yield its URL, then drop it (unless ``keep``)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(server, name)
    try:
        yield url
    finally:
        if keep:
            print(f"kept the database: {url}")
        else:
            with psycopg.connect(server, autocommit=True) as conn:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                conn.execute(drop.format(sql.Identifier(name)))


def with_database(server: str, name: str) -> str:
    """Return a postgresql:// URL for database ``name`` on the server (libpq form)."""
    params = psycopg.conninfo.conninfo_to_dict(server)
    user = params.get("user", "postgres")
    password = f":{params['password']}" if params.get("password") else ""
    host, port = params.get("host", "127.0.0.1"), params.get("port", "5432")
    return f"postgresql://{user}{password}@{host}:{port}/{name}"


def migrate(url: str, root: Path = ROOT) -> None:
    """Run ``alembic upgrade head`` from the checkout at ``root``, as tests/conftest.py does."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine
    from sqlalchemy import pool

    config = Config(str(root / "alembic.ini"))
    config.attributes["configure_logger"] = False
    engine = create_engine(database_url(url), poolclass=pool.NullPool)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()


def prepare(url: str, rows: int) -> None:
    """Migrate the database, load Okayama's areas and generate ``rows`` reports."""
    from sqlalchemy import create_engine
    from sqlalchemy import pool
    from sqlalchemy.orm import Session

    migrate(url)
    engine = create_engine(database_url(url), poolclass=pool.NullPool)
    with Session(engine) as session:
        records = read_files(sorted(BUNDLED_DIR.glob("3*.geojson")))
        save_areas(session, records, load_profile("okayama").service_area)
        session.commit()
    engine.dispose()
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        # ST_GeneratePoints may return a few points fewer than asked; ask for 1 % more.
        per_ward = rows // len(WARDS) + rows // 400 + 10
        conn.execute(RESIDENTS)
        conn.execute(REPORTS, {"per_ward": per_ward, "rows": rows})
        conn.execute("VACUUM ANALYZE")
        made = conn.execute("SELECT count(*) FROM reports").fetchone()
    assert made and made[0] == rows, f"generated {made} reports, not {rows}"
    print(f"generated {rows} reports in {time.monotonic() - started:.0f} s", flush=True)
