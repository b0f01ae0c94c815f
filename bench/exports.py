"""Benchmark the GeoJSON export of a million reports against ogr2ogr and the floor.

Run from the repository root: `.venv/bin/python bench/exports.py [--rows 1000000]
[--rounds 3] [--markdown] [--strict] [--keep]`.

It creates a throwaway database on the PostgreSQL server named by TEST_DATABASE_URL or
DATABASE_URL (else the one `scripts/localdb.sh start` prints), migrates it, loads Okayama's
areas and generates the reports in SQL: points spread by ST_GeneratePoints inside the four
wards, every report with a resident, one in ten with a note, one in fifty hidden. Then, in
rounds whose order rotates, it times the same export four ways, each to /dev/null:

- floor: psql running `COPY (<the export's own statement>) TO STDOUT`, the statement
  Tsuho sends compiled from the same code, so its bytes are Tsuho's minus the commas and the
  collection's head and tail (checked);
- tsuho: gunicorn serving the app as `make run` does (2 sync workers), curl downloading
  /api/reports.geojson with an analyst token; the worker's RSS is read from /proc before
  and its peak (VmHWM, reset first) after;
- ogr2ogr: `ogr2ogr -f GeoJSON /vsistdout/` from a PG: connection, selecting the same
  columns (RFC 7946 output, 7 decimals);
- sscursor: a Python process reading the same statement through a psycopg server-side
  cursor, the approach the issue measured at 3.9 s (for scale, no goal).

Every process gets the same session settings (PGOPTIONS: jit off, Japan's time zone), which
are the ones Tsuho sets on its export transactions. Before each run it waits for the machine
to be quiet (other work shares it), and it records the cores the machine kept busy meanwhile.
The database is dropped at the end, on errors and on Ctrl-C too, unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench import serving  # noqa: E402
from bench.machine import machine_busy  # noqa: E402
from bench.machine import wait_quiet  # noqa: E402
from gis import geojson  # noqa: E402
from reporting import access  # noqa: E402
from reporting.analysts import pg_copy  # noqa: E402
from reporting.analysts.exports import labels  # noqa: E402
from reporting.city_profile import load_profile  # noqa: E402
from reporting.report_filters import ReportFilter  # noqa: E402
from reporting.report_queries import Visibility  # noqa: E402
from reporting.report_queries import analyst_rows  # noqa: E402
from reporting.report_queries import feature_rows  # noqa: E402
from reporting.settings import database_url  # noqa: E402

VARIANTS = ("floor", "tsuho", "ogr2ogr", "sscursor")
SESSION = "-c jit=off -c TimeZone=Asia/Tokyo"
GOAL_OVER_FLOOR = 1.3
GOAL_OVER_OGR = 2.5
GOAL_RSS_MB = 100.0


@dataclass
class Run:
    variant: str
    round: int
    seconds: float
    bytes: int
    peak_mb: float  # the client's peak RSS; for tsuho, the server worker's
    cpu: float = 0.0  # the client's CPU seconds (psql, curl, ogr2ogr, python)
    growth_mb: float = 0.0  # tsuho only: worker peak RSS minus its RSS before the request
    server_cpu: float = 0.0  # tsuho only: the gunicorn worker's CPU seconds
    machine_cores: float = 0.0  # busy cores of the whole machine during the run


# --- database ---


def prepare(url: str, rows: int) -> str:
    """Migrate, load the areas, generate the reports; return an analyst token."""
    from sqlalchemy import create_engine
    from sqlalchemy import pool
    from sqlalchemy.orm import Session

    seed.prepare(url, rows)
    engine = create_engine(database_url(url), poolclass=pool.NullPool)
    with Session(engine) as session:
        token = access.create_token(session, "bench")
        session.commit()
    engine.dispose()
    return token


def export_statement(url: str, site: str) -> tuple[str, int]:
    """Return the export's SQL as Tsuho runs it (token view, Japanese labels, links to the
    staff pages of ``site``), and how many features it has."""
    from sqlalchemy import create_engine
    from sqlalchemy import pool

    engine = create_engine(database_url(url), poolclass=pool.NullPool)
    words = labels(load_profile("okayama"), "ja")
    rows = analyst_rows(ReportFilter(), Visibility(notes=True), words, f"{site}/staff/reports/")
    compiled = feature_rows(rows).compile(engine, compile_kwargs={"render_postcompile": True})
    with psycopg.connect(url) as conn:
        statement = psycopg.ClientCursor(conn).mogrify(compiled.string, compiled.params)
        count = conn.execute("SELECT count(*) FROM reports WHERE NOT hidden").fetchone()
    engine.dispose()
    return statement, count[0] if count else 0


# The same rows and joins as Tsuho's export, without the labels.
OGR_SELECT = """
SELECT r.id, r.receipt_number, r.category, r.subcategory, r.status, r.priority, r.urgent,
       r.department, r.source, e.manager AS referred_to, o.receipt_number AS duplicate_of,
       coalesce(s.n, 0) AS supporters, r.address, r.area_code, a.name_ja AS area_name,
       date_trunc('second', r.created_at) AS created_at,
       date_trunc('second', r.updated_at) AS updated_at,
       date_trunc('second', r.acknowledged_at) AS acknowledged_at,
       date_trunc('second', e.in_progress_at) AS in_progress_at,
       date_trunc('second', r.resolved_at) AS closed_at,
       coalesce(p.n, 0) AS photo_count, r.note, r.location
FROM reports r LEFT JOIN areas a ON a.code = r.area_code
LEFT JOIN (SELECT report_id, count(*) AS n FROM photos GROUP BY report_id) p
       ON p.report_id = r.id
LEFT JOIN (SELECT report_id, count(*) AS n FROM report_supporters GROUP BY report_id) s
       ON s.report_id = r.id
LEFT JOIN (SELECT report_id, min(created_at) FILTER (WHERE to_status = 'in_progress')
                  AS in_progress_at,
                  max(data->>'manager') FILTER (WHERE to_status = 'referred') AS manager
           FROM report_events WHERE action = 'status' GROUP BY report_id) e
       ON e.report_id = r.id
LEFT JOIN reports o ON o.id = r.duplicate_of_id
WHERE NOT r.hidden
"""

SSCURSOR = """
import sys, psycopg
with psycopg.connect(sys.argv[1]) as conn:
    cursor = conn.cursor(name="export")
    cursor.execute(sys.stdin.read())
    while rows := cursor.fetchmany(10000):
        sys.stdout.write(",\\n".join(row[0] for row in rows))
"""


# --- measuring ---


def timed(
    command: list[str], env: dict[str, str], stdin: str = "", count: bool = False
) -> tuple[Run, bytes]:
    """Run a command, its output to /dev/null (or counted); return its time, CPU and peak RSS.

    The peak is read from /proc while it runs: the rusage of a child forked from this
    process would start at this process's own size. Counting the output costs this process
    CPU the others would lack, so timed runs send it straight to /dev/null.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE if count else subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    peak = PeakWatcher(process.pid)
    peak.start()
    if stdin:
        assert process.stdin
        process.stdin.write(stdin.encode())
        process.stdin.close()
    size, first = 0, b""
    if count:
        assert process.stdout
        while chunk := process.stdout.read(1 << 20):
            first = first or chunk
            size += len(chunk)
    assert process.stderr
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    peak.join()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {errors.decode(errors='replace')[-2000:]}")
    return Run(command[0], 0, seconds, size, peak.mb, cpu=usage.ru_utime + usage.ru_stime), first


class PeakWatcher(threading.Thread):
    """Follows a process's VmHWM (peak RSS) every 20 ms until it exits."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.mb = 0.0

    def run(self) -> None:
        while True:
            try:
                self.mb = max(self.mb, status_mb(self.pid, "VmHWM"))
            except (OSError, KeyError):
                return  # gone (a zombie has no VmHWM)
            time.sleep(0.02)


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_tsuho(server: serving.Gunicorn, token: str, env: dict[str, str]) -> Run:
    workers = server.workers()
    before, cpu = {}, {}
    for pid in workers:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        before[pid], cpu[pid] = status_mb(pid, "VmRSS"), cpu_seconds(pid)
    command = [
        "curl",
        "-sS",
        "--fail",
        "-o",
        "/dev/null",
        "-w",
        "%{size_download}",
        "-H",
        f"Authorization: Bearer {token}",
        f"{server.url}/api/reports.geojson",
    ]
    run, written = timed(command, env, count=True)  # the output is curl's byte count
    run.bytes = int(written)
    peaks = {pid: status_mb(pid, "VmHWM") for pid in workers}
    served = max(workers, key=lambda pid: cpu_seconds(pid) - cpu[pid])
    run.peak_mb, run.growth_mb = peaks[served], peaks[served] - before[served]
    run.server_cpu = cpu_seconds(served) - cpu[served]
    return run


def measure(variant: str, ctx: dict, round_: int, count: bool = False) -> Run:
    env = {**os.environ, "PGOPTIONS": SESSION}
    url = ctx["url"]
    if variant == "floor":
        copy = f"COPY ({ctx['statement']}) TO STDOUT ({pg_copy.JSON_LINES})"
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", copy]
        run, _ = timed(command, env, count=count)
    elif variant == "tsuho":
        run = run_tsuho(ctx["server"], ctx["token"], env)
    elif variant == "ogr2ogr":
        params = psycopg.conninfo.conninfo_to_dict(url)
        pg = " ".join(f"{k}={v}" for k, v in params.items() if k != "password")
        command = ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"PG:{pg}", "-sql", OGR_SELECT,
                   "-lco", "RFC7946=YES", "-lco", "ID_FIELD=id",
                   "-lco", "COORDINATE_PRECISION=7"]  # fmt: skip
        run, _ = timed(command, env, count=count)
    else:
        run, _ = timed([sys.executable, "-c", SSCURSOR, url], env, ctx["statement"], count)
    run.variant, run.round = variant, round_
    return run


def measure_quietly(variant: str, ctx: dict, round_: int, quiet_wait: float) -> Run:
    """Measure once the machine is idle, noting how many cores were busy during the run."""
    wait_quiet(quiet_wait)
    busy = machine_busy()
    run = measure(variant, ctx, round_)
    run.machine_cores = (machine_busy() - busy) / run.seconds
    return run


# --- reporting ---


def median(runs: list[Run], variant: str, value: str = "seconds") -> float:
    return statistics.median(getattr(r, value) for r in runs if r.variant == variant)


def verdicts(runs: list[Run], features: int, floor_bytes: int) -> list[tuple[str, str, str, bool]]:
    floor, tsuho, ogr = (median(runs, v) for v in ("floor", "tsuho", "ogr2ogr"))
    growth = max(r.growth_mb for r in runs if r.variant == "tsuho")
    head = len(geojson.collection_head(name="reports").encode())
    framing = head + max(features - 1, 0) + len(geojson.COLLECTION_TAIL)
    same = {r.bytes for r in runs if r.variant == "tsuho"} == {floor_bytes + framing}
    return [
        ("tsuho / floor", f"{tsuho / floor:.2f}", f"<= {GOAL_OVER_FLOOR}",
         tsuho / floor <= GOAL_OVER_FLOOR),
        ("ogr2ogr / tsuho", f"{ogr / tsuho:.2f}", f">= {GOAL_OVER_OGR}",
         ogr / tsuho >= GOAL_OVER_OGR),
        ("server RSS growth (worst run)", f"{growth:.0f} MB", f"< {GOAL_RSS_MB:.0f} MB",
         growth < GOAL_RSS_MB),
        ("tsuho's bytes = the floor's + commas, head and tail", "", "", same),
    ]  # fmt: skip


def print_results(
    runs: list[Run], results: list[tuple[str, str, str, bool]], markdown: bool
) -> None:
    print(
        "\n| variant | median s | peak RSS MB | client CPU s | worker CPU s | runs (s) "
        "| machine cores busy |\n| --- | ---: | ---: | ---: | ---: | --- | --- |"
    )
    for variant in VARIANTS:
        mine = [r for r in runs if r.variant == variant]
        rss = max(r.peak_mb for r in mine)
        cpu = statistics.median(r.cpu for r in mine)
        worker = (
            f"{statistics.median(r.server_cpu for r in mine):.2f}" if variant == "tsuho" else ""
        )
        times = ", ".join(f"{r.seconds:.2f}" for r in mine)
        busy = ", ".join(f"{r.machine_cores:.1f}" for r in mine)
        print(
            f"| `{variant}` | {median(runs, variant):.2f} | {rss:.0f} | {cpu:.2f} | {worker} "
            f"| {times} | {busy} |"
        )
    print("\n| ratio | value | goal | verdict |\n| --- | ---: | ---: | --- |")
    for name, value, goal, passed in results:
        print(f"| {name} | {value} | {goal} | {'PASS' if passed else '**FAIL**'} |")
    if markdown:
        print(f"\nMeasured {date.today().isoformat()}.")


def facts(url: str, rows: int, features: int) -> str:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        workers = conn.execute("SHOW max_parallel_workers_per_gather").fetchone()
        postgis = conn.execute("SELECT postgis_lib_version()").fetchone()
    gdal = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), "?")  # fmt: skip
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs ({model}); Python "
        f"{platform.python_version()}; PostgreSQL {version[0] if version else '?'} "
        f"(max_parallel_workers_per_gather={workers[0] if workers else '?'}), PostGIS "
        f"{postgis[0] if postgis else '?'}; {gdal.strip()}; {rows} reports, {features} visible"
    )


def benchmark(args: argparse.Namespace) -> int:
    for tool in ("psql", "ogr2ogr", "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (scripts/system-packages.sh gdal-bin; curl; psql)")
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tsuho-bench-")))
        server_url = seed.server_url()
        url = stack.enter_context(
            seed.throwaway_database(server_url, args.keep, "tsuho_bench_exports")
        )
        token = prepare(url, args.rows)
        server = serving.start_gunicorn(url, work)
        stack.callback(serving.stop_gunicorn, server)
        statement, features = export_statement(url, server.url)
        ctx = {"url": url, "statement": statement, "token": token, "server": server}
        # Warm the caches and the workers' connections; count the floor's bytes once.
        ctx["floor_bytes"] = measure("floor", ctx, 0, count=True).bytes
        for _ in range(2):
            measure("tsuho", ctx, 0)
        runs = []
        for round_ in range(1, args.rounds + 1):
            shift = (round_ - 1) % len(VARIANTS)
            for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                run = measure_quietly(variant, ctx, round_, args.quiet_wait)
                runs.append(run)
                print(f"  round {round_} {variant}: {run.seconds:.2f} s,"
                      f" machine cores busy {run.machine_cores:.2f}", flush=True)  # fmt: skip
        description = facts(url, args.rows, features)
    print(description)
    results = verdicts(runs, features, ctx["floor_bytes"])
    print_results(runs, results, args.markdown)
    return 1 if args.strict and not all(passed for *_, passed in results) else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="reports to generate")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, order rotating")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30.0,
        help="seconds to wait at most for an idle machine before each run",
    )
    parser.add_argument("--markdown", action="store_true", help="end with the date line")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(benchmark(parse_args()))
