"""Benchmark the public map at 100,000 reports: its weight, its server time, its first markers.

Run from the repository root: `.venv/bin/python bench/public_map.py [--reports 100000]
[--requests 30] [--browser-runs 3] [--strict] [--keep]`.

It creates a throwaway database (bench/seed.py: Okayama's four wards, generated reports, one
in fifty hidden), serves the app with gunicorn, and measures in the same run:

- weight: the bytes of GET / and of the scripts and styles it links (Leaflet included), as
  transferred to a browser that accepts gzip and Brotli, before any tile; goal under 100 kB;
- server: GET / timed at the client over loopback (median and p95 of --requests after a
  warm-up), beside GET /healthz on the same server, the floor every request pays; goal under
  100 ms;
- markers: GET /map/reports.json for the whole city at zoom 12 (grid counts: more than the
  limit) and for the view of a phone at zoom 16 at the centre (the reports themselves);
- browser: in headless Chromium at 390x844, a fresh context each run (nothing cached), the
  time from navigation start to the first frame with a marker or a grid count; goal under 2 s.

Every tile is a blank data: URL, so no request leaves the machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench import serving  # noqa: E402
from bench.machine import wait_quiet  # noqa: E402

GOAL_BYTES = 100_000
GOAL_SERVER_MS = 100.0
GOAL_FIRST_MARKERS_S = 2.0
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+\.(?:js|css))"')
CITY = "133.70,34.50,134.20,34.90"  # Okayama's wards, at zoom 12
CENTRE = "133.9150,34.6520,133.9240,34.6580"  # a phone's view at zoom 16
FIRST_MARKERS = """
() => new Promise((resolve) => {
  const check = () => {
    if (document.querySelector("path.report-marker, .cell-count")) {
      requestAnimationFrame(() => resolve(performance.now() / 1000));
    } else { setTimeout(check, 5); }
  };
  check();
})
"""


def transferred(url: str) -> int:
    """Bytes of the body as sent: compressed when the server compresses it."""
    with requests.get(url, headers={"Accept-Encoding": "gzip, br"}, stream=True, timeout=30) as r:
        r.raise_for_status()
        return len(r.raw.read(decode_content=False))


def weight(base: str) -> tuple[int, dict[str, int]]:
    html = requests.get(base + "/", timeout=30).text
    parts = {"/": transferred(base + "/")}
    for path in ASSET.findall(html):
        parts[path] = transferred(base + path)
    return sum(parts.values()), parts


def timed(url: str, count: int) -> list[float]:
    session = requests.Session()
    for _ in range(3):
        session.get(url, timeout=60).raise_for_status()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        session.get(url, timeout=60).raise_for_status()
        times.append(time.perf_counter() - started)
    return times


def first_markers(base: str, runs: int) -> list[float]:
    found = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(base + "/", wait_until="commit")
            found.append(page.evaluate(FIRST_MARKERS))
            context.close()
        browser.close()
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--browser-runs", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    with seed.throwaway_database(seed.server_url(), args.keep) as url, \
            tempfile.TemporaryDirectory() as work:  # fmt: skip
        seed.prepare(url, args.reports)
        server = serving.start_gunicorn(url, Path(work), env={"MAP_TILES_URL": BLANK_TILE})
        try:
            wait_quiet(10)
            total, parts = weight(server.url)
            page = timed(server.url + "/", args.requests)
            floor = timed(server.url + "/healthz", args.requests)
            city = timed(f"{server.url}/map/reports.json?bbox={CITY}&zoom=12", args.requests)
            centre = timed(f"{server.url}/map/reports.json?bbox={CENTRE}&zoom=16", args.requests)
            browser = first_markers(server.url, args.browser_runs)
        finally:
            serving.stop_gunicorn(server)
    page_ms = statistics.median(page)
    first = statistics.median(browser)
    checks = {
        "weight": total < GOAL_BYTES,
        "server": page_ms * 1000 < GOAL_SERVER_MS,
        "first markers": first < GOAL_FIRST_MARKERS_S,
    }
    print(f"\npublic map, {args.reports:,} reports")
    print(f"weight before tiles: {total:,} bytes (goal < {GOAL_BYTES:,})")
    for path, size in parts.items():
        print(f"  {path}: {size:,}")
    print(f"GET /: median {ms(page_ms)}, p95 {ms(p95(page))}; /healthz floor "
          f"{ms(statistics.median(floor))}; ratio {page_ms / statistics.median(floor):.1f}"
          f" (goal < {GOAL_SERVER_MS:.0f} ms)")  # fmt: skip
    print(f"markers, whole city z12 (grid): median {ms(statistics.median(city))}, "
          f"p95 {ms(p95(city))}")
    print(f"markers, phone view z16: median {ms(statistics.median(centre))}, "
          f"p95 {ms(p95(centre))}")
    print(f"first markers in Chromium: median {first:.2f} s of {len(browser)} runs "
          f"(goal < {GOAL_FIRST_MARKERS_S} s)")
    for name, ok in checks.items():
        print(f"{name}: {'PASS' if ok else 'FAIL'}")
    return 1 if args.strict and not all(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
