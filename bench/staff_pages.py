"""Benchmark the staff list, a report's page and the stats page at 100,000 reports.

Run from the repository root: `.venv/bin/python bench/staff_pages.py [--reports 100000]
[--requests 30] [--markdown] [--strict] [--keep]`.

It creates a throwaway database (bench/seed.py: Okayama's four wards, generated reports, one
in fifty hidden), gives the reports a history (a "created" event each, a status change for
those past "new", the first answer's time) and a photo row to one in three, adds a staff
account, serves the app with gunicorn as `make run` does, and measures, in the same run:

- list: GET /staff/reports, default filters (the shown reports, newest first, 50 rows);
- report: GET /staff/reports/<id> for reports spread over the table, in turn;
- stats: GET /staff/stats, all time;

each --requests times after a warm-up, timed at the client over loopback (median and p95),
beside a bare SELECT of the same rows on one psycopg connection, timed the same way: the 50
rows the list shows, the one report, and one pass over the shown reports grouped by status
and ward. The database is dropped at the end, unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench import serving  # noqa: E402
from bench.machine import machine_busy  # noqa: E402
from bench.machine import wait_quiet  # noqa: E402
from bench.staff_map import add_staff  # noqa: E402
from bench.staff_map import signed_in  # noqa: E402

GOALS_MS = {"list": 150.0, "report": 150.0, "stats": 500.0}
SAMPLE_REPORTS = 20

HISTORY = """
INSERT INTO report_events (report_id, actor_kind, action, to_status, created_at)
SELECT id, 'resident', 'created', 'new', created_at FROM reports;
INSERT INTO report_events (report_id, actor_kind, action, from_status, to_status, created_at)
SELECT id, 'staff', 'status', 'new', status, created_at + (id % 72) * interval '1 hour'
FROM reports WHERE status <> 'new';
UPDATE reports SET acknowledged_at = created_at + (id % 72) * interval '1 hour'
WHERE status <> 'new';
INSERT INTO photos (report_id, content_hash, size_bytes, width, height, storage_key,
                    thumbnail_key)
SELECT id, md5(id::text) || md5(id::text), 1, 1, 1, md5(id::text) || md5(id::text),
       md5('t' || id) || md5('t' || id)
FROM reports WHERE id % 3 = 0;
VACUUM ANALYZE
"""

# The rows each page shows, selected bare: the floor under each page.
BARE = {
    "list": """
        SELECT r.id, r.receipt_number, r.category, r.subcategory, r.status, r.area_code,
               a.name_ja, r.created_at, r.updated_at, r.note, r.hidden, r.priority,
               r.department, r.resident_id, r.source
        FROM reports r LEFT JOIN areas a ON a.code = r.area_code
        WHERE NOT r.hidden ORDER BY r.created_at DESC, r.id DESC LIMIT 50
    """,
    "report": "SELECT * FROM reports WHERE id = %(id)s",
    "stats": """
        SELECT status, area_code, count(*) FROM reports WHERE NOT hidden
        GROUP BY status, area_code
    """,
}


@dataclass
class Series:
    """One page's timings and its floor's, in seconds."""

    name: str
    page: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    cores: float = 0.0
    before: float = 0.0


def timed(call: Callable[[], object], count: int, warm: int = 5) -> list[float]:
    """Call ``count`` times after ``warm`` untimed calls; return each call's seconds."""
    for _ in range(warm):
        call()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def cycle(values: list[int]) -> Callable[[], int]:
    """Return a function giving the values in turn, forever."""
    state = {"i": -1}

    def following() -> int:
        state["i"] = (state["i"] + 1) % len(values)
        return values[state["i"]]

    return following


def measure(
    name: str, client: requests.Session, base: str, conn: psycopg.Connection, ids: list[int],
    count: int, quiet_wait: float,
) -> Series:  # fmt: skip
    """Time the page and its bare SELECT, alternately per request, on a quiet machine."""
    series = Series(name)
    series.before = wait_quiet(quiet_wait)
    page_id, bare_id = cycle(ids), cycle(ids)
    paths = {"list": lambda: "/staff/reports", "stats": lambda: "/staff/stats",
             "report": lambda: f"/staff/reports/{page_id()}"}  # fmt: skip

    def get() -> None:
        answer = client.get(base + paths[name](), timeout=60)
        answer.raise_for_status()

    def bare() -> None:
        conn.execute(BARE[name], {"id": bare_id()}).fetchall()

    busy, started = machine_busy(), time.monotonic()
    for _ in range(5):
        get()
        bare()
    for _ in range(count):
        series.page += timed(get, 1, warm=0)
        series.bare += timed(bare, 1, warm=0)
    series.cores = (machine_busy() - busy) / (time.monotonic() - started)
    return series


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def report(all_series: list[Series], rows: int, markdown: bool) -> bool:
    """Print the table and the verdicts; return whether every goal passed."""
    print(f"\n{rows} reports. Times at the client over loopback; the bare SELECT on one "
          "psycopg connection.\n")  # fmt: skip
    print("| page | median | p95 | bare SELECT median | page / bare | goal | verdict "
          "| machine cores busy before / during |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")  # fmt: skip
    passed = True
    for s in all_series:
        median, floor = statistics.median(s.page), statistics.median(s.bare)
        goal = GOALS_MS[s.name]
        ok = median * 1000 < goal
        passed &= ok
        print(f"| {s.name} | {ms(median)} | {ms(p95(s.page))} | {ms(floor)} "
              f"| {median / floor:,.0f} | < {goal:.0f} ms | {'PASS' if ok else '**FAIL**'} "
              f"| {s.before:.1f} / {s.cores:.1f} |")  # fmt: skip
    if markdown:
        print(f"\nMeasured {date.today().isoformat()}.")
    return passed


def benchmark(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tsuho-bench-")))
        url = stack.enter_context(
            seed.throwaway_database(seed.server_url(), args.keep, "tsuho_bench_pages")
        )
        seed.prepare(url, args.reports)
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in HISTORY.split(";"):
                if statement.strip():
                    conn.execute(statement)
            shown = [row[0] for row in conn.execute("SELECT id FROM reports WHERE NOT hidden")]
        add_staff(url)
        ids = random.Random(11).sample(shown, min(SAMPLE_REPORTS, len(shown)))
        options = ("--worker-class", "gthread", "--threads", "4")
        server = serving.start_gunicorn(url, work, options)
        stack.callback(serving.stop_gunicorn, server)
        client = signed_in(server.url)
        conn = stack.enter_context(psycopg.connect(url, autocommit=True))
        results = []
        for name in ("list", "report", "stats"):
            results.append(measure(name, client, server.url, conn, ids, args.requests,
                                   args.quiet_wait))  # fmt: skip
            print(f"{name}: median {ms(statistics.median(results[-1].page))}", flush=True)
    passed = report(results, args.reports, args.markdown)
    return 1 if args.strict and not passed else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports to generate")
    parser.add_argument("--requests", type=int, default=30, help="timed GETs of each page")
    parser.add_argument(
        "--quiet-wait", type=float, default=30.0,
        help="seconds to wait at most for an idle machine before each page's series",
    )  # fmt: skip
    parser.add_argument("--markdown", action="store_true", help="end with the date line")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def stop(signum: int, frame: object) -> None:
    """Turn SIGTERM into an exit that runs the clean-ups: the server, the database."""
    sys.exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    sys.exit(benchmark(parse_args()))
