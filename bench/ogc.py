"""Benchmark Tsuho's OGC API - Features beside pygeoapi serving the same reports.

Run from the repository root: `.venv/bin/python bench/ogc.py [--rows 100000] [--rounds 3]
[--requests 200] [--markdown] [--strict] [--keep]`.

It creates a throwaway database on the PostgreSQL server named by TEST_DATABASE_URL or
DATABASE_URL (else the one `scripts/localdb.sh start` prints), generates the reports as
bench/exports.py does, and adds a view of the visible reports for pygeoapi (the reference
Python server, its PostgreSQL provider): the view is Tsuho's own export statement, so both
answer the same properties (labels, notes, links). pygeoapi is installed from PyPI into the
benchmark's own virtual environment (var/bench-pygeoapi, made on the first run), never into
Tsuho's. Both run under gunicorn with 2 sync workers. In rounds whose order alternates, it
times, for each server:

- download: GDAL `ogr2ogr` reading every feature through `OAPIF:`, pages of 1,000;
- pages: items?limit=1000 at successive offsets (requests/s, 2 client threads);
- pages-filtered: the pages holding features inside a bbox (the north of the city) and created
  from the median creation time on (about half of them);
- feature: items/{id} for random ids (requests/s, 2 client threads).

Tsuho is asked with an analyst's token each time (it checks it on every request); pygeoapi
serves the view openly. The goal: Tsuho at least 1.5x pygeoapi's throughput on each.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench import serving  # noqa: E402
from bench.exports import prepare  # noqa: E402
from bench.machine import machine_busy  # noqa: E402

PYGEOAPI = "pygeoapi==0.21.0"  # the last release for Python 3.11
# Its PostgreSQL provider's needs (not among its own requirements), and the server.
PROVIDER_PACKAGES = ("psycopg2-binary", "geoalchemy2", "gunicorn")
VENV = ROOT / "var" / "bench-pygeoapi"
GOAL = 1.5
PAGE = 1000
BBOX = "133.85,34.66,134.10,34.80"
WORKLOADS = ("download", "pages", "pages-filtered", "feature")

def view_statement(url: str, site: str) -> str:
    """Return the SQL of the view pygeoapi serves: Tsuho's own export statement (the token's
    view: labels, notes, links), so both servers answer the same properties."""
    from sqlalchemy import create_engine
    from sqlalchemy import pool

    from bench.exports import labels
    from reporting.city_profile import load_profile
    from reporting.report_filters import ReportFilter
    from reporting.report_queries import Visibility
    from reporting.report_queries import analyst_rows
    from reporting.settings import database_url

    engine = create_engine(database_url(url), poolclass=pool.NullPool)
    words = labels(load_profile("okayama"), "ja")
    rows = analyst_rows(ReportFilter(), Visibility(notes=True), words, f"{site}/staff/reports/")
    compiled = rows.compile(engine, compile_kwargs={"render_postcompile": True})
    with psycopg.connect(url) as conn:
        statement = psycopg.ClientCursor(conn).mogrify(compiled.string, compiled.params)
    engine.dispose()
    # GeoAlchemy2 reads geometry as EWKB at the top level of a select; the view keeps it a
    # geometry, as the provider expects.
    statement = statement.replace("ST_AsEWKB(reports.location)", "reports.location")
    return f"CREATE VIEW pygeoapi_reports AS {statement}"

CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {{default_items: 100, max_items: 10000}}
  map: {{url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png", attribution: OSM}}
logging:
  level: ERROR
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], terms_of_service: none,
                   url: http://example.org}}
  license: {{name: CC-BY 4.0, url: https://creativecommons.org/licenses/by/4.0/}}
  provider: {{name: bench, url: http://example.org}}
  contact: {{name: bench}}
resources:
  reports:
    type: collection
    title: reports
    description: reports
    keywords: [reports]
    extents:
      spatial: {{bbox: [133.7, 34.4, 134.3, 35.0], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: {host}, port: {db_port}, dbname: {dbname}, user: {user},
               password: "{password}", search_path: [public]}}
        id_field: id
        table: pygeoapi_reports
        geom_field: location
        time_field: created_at
"""


def pygeoapi_venv() -> Path:
    """Return the benchmark's own environment with pygeoapi, made on the first run."""
    python = VENV / "bin" / "python"
    if not (VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", PYGEOAPI, *PROVIDER_PACKAGES],
            check=True,
        )
        (VENV / ".installed").write_text(PYGEOAPI)
    return VENV


def start_pygeoapi(url: str, work: Path) -> tuple[subprocess.Popen[bytes], str]:
    venv = pygeoapi_venv()
    params = psycopg.conninfo.conninfo_to_dict(url)
    port = serving_port()
    config = work / "pygeoapi.yml"
    config.write_text(
        CONFIG.format(
            port=port,
            host=params.get("host", "127.0.0.1"),
            db_port=params.get("port", "5432"),
            dbname=params["dbname"],
            user=params.get("user", "postgres"),
            password=params.get("password", ""),
        )
    )
    openapi = work / "openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config),
         "--output-file", str(openapi)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    log = (work / "pygeoapi.log").open("wb")
    process = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning", "pygeoapi.flask_app:APP"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        cwd=work,  # not Tsuho's gunicorn.conf.py
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((work / "pygeoapi.log").read_text()[-3000:])
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/collections/reports", timeout=5).ok:
                return process, base
        time.sleep(0.3)
    raise RuntimeError("pygeoapi did not start")


def serving_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def throughput(urls: list[str], headers: dict[str, str], threads: int = 2) -> float:
    """Fetch every URL (2 threads, keep-alive); return requests per second."""
    queue = list(urls)
    lock = threading.Lock()
    failures: list[str] = []

    def work() -> None:
        with requests.Session() as session:
            session.headers.update(headers)
            while True:
                with lock:
                    if not queue:
                        return
                    url = queue.pop()
                response = session.get(url, timeout=120)
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {url}")

    started = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, first: {failures[0]}")
    return len(urls) / elapsed


def download(base: str, env: dict[str, str]) -> float:
    """Read every feature through GDAL's OAPIF driver; return features per second."""
    started = time.perf_counter()
    listing = subprocess.run(
        ["ogr2ogr", "-f", "CSV", "/vsistdout/", f"OAPIF:{base}", "reports",
         "-oo", f"PAGE_SIZE={PAGE}"],
        env=env, capture_output=True, check=True, timeout=600,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    features = listing.stdout.count(b"\n") - 1
    return features / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="reports to generate")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, order alternating")
    parser.add_argument("--requests", type=int, default=200, help="single features a round")
    parser.add_argument("--markdown", action="store_true", help="end with the date line")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    for tool in ("ogr2ogr",):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (scripts/system-packages.sh gdal-bin)")
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tsuho-bench-ogc-")))
        url = stack.enter_context(
            seed.throwaway_database(seed.server_url(), args.keep, "tsuho_bench_ogc")
        )
        token = prepare(url, args.rows)
        tsuho = serving.start_gunicorn(url, work)
        stack.callback(serving.stop_gunicorn, tsuho)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(view_statement(url, tsuho.url))
            ids = [row[0] for row in conn.execute("SELECT id FROM reports WHERE NOT hidden")]
            # From the median creation time on: the filter keeps about half the reports in
            # the box, whatever the number generated (a fixed date matched none of them).
            median = conn.execute(
                "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY created_at) FROM reports"
            ).fetchone()
            since = median[0].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            datetime_filter = f"{since}/.."
            in_filter = conn.execute(
                "SELECT count(*) FROM reports WHERE NOT hidden AND created_at >= %s"
                " AND ST_Intersects(location, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
                (median[0], *(float(v) for v in BBOX.split(","))),
            ).fetchone()[0]
        process, pygeoapi_base = start_pygeoapi(url, work)
        stack.callback(lambda: (process.terminate(), process.wait(15)))
        servers = {
            "tsuho": (f"{tsuho.url}/ogc", {"Authorization": f"Bearer {token}"}),
            "pygeoapi": (pygeoapi_base, {}),
        }
        plain_env = dict(os.environ)
        gdal_env = {
            "tsuho": {**plain_env, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"},
            "pygeoapi": plain_env,
        }
        pages = len(ids) // PAGE + 1
        rng = random.Random(14)

        def workload(name: str, server: str) -> Callable[[], float]:
            base, headers = servers[server]
            items = f"{base}/collections/reports/items"
            if name == "download":
                return lambda: download(base, gdal_env[server])
            if name == "pages":
                urls = [f"{items}?limit={PAGE}&offset={i * PAGE}" for i in range(pages)]
                return lambda: throughput(urls, headers)
            if name == "pages-filtered":
                urls = [
                    f"{items}?limit={PAGE}&offset={i * PAGE}&bbox={BBOX}"
                    f"&datetime={datetime_filter}"
                    for i in range(max(1, -(-in_filter // PAGE)))
                ]
                return lambda: throughput(urls, headers)
            chosen = [rng.choice(ids) for _ in range(args.requests)]
            return lambda: throughput([f"{items}/{i}" for i in chosen], headers)

        for server in servers:  # warm both: caches, connections, imports
            workload("pages", server)()
            workload("feature", server)()
        results: dict[tuple[str, str], list[float]] = {}
        busy: list[float] = []
        for round_ in range(args.rounds):
            order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
            for name in WORKLOADS:
                for server in order:
                    before, cpu = time.perf_counter(), machine_busy()
                    value = workload(name, server)()
                    busy.append((machine_busy() - cpu) / (time.perf_counter() - before))
                    results.setdefault((name, server), []).append(value)
                    print(f"  round {round_ + 1} {name} {server}: {value:.1f}/s"
                          f" ({time.perf_counter() - before:.1f} s)", flush=True)  # fmt: skip
    unit = {"download": "features/s", "pages": "pages/s", "pages-filtered": "pages/s",
            "feature": "requests/s"}  # fmt: skip
    print(f"\n{args.rows} reports, {len(ids)} visible, {in_filter} in the filtered pages' box"
          f" and time ({datetime_filter}); rounds {args.rounds};"
          f" machine cores busy (median) {statistics.median(busy):.2f}\n")  # fmt: skip
    print("| workload | tsuho | pygeoapi | tsuho / pygeoapi | goal | verdict |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    passed = True
    for name in WORKLOADS:
        ours = statistics.median(results[(name, "tsuho")])
        theirs = statistics.median(results[(name, "pygeoapi")])
        ratio = ours / theirs
        ok = ratio >= GOAL
        passed &= ok
        verdict = "PASS" if ok else "**FAIL**"
        print(f"| {name} ({unit[name]}) | {ours:.1f} | {theirs:.1f} | {ratio:.2f} |"
              f" >= {GOAL} | {verdict} |")  # fmt: skip
    if args.markdown:
        print(f"\nMeasured {time.strftime('%Y-%m-%d')}.")
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
