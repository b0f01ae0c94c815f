"""Benchmark the staff map at 100,000 reports against naive Folium pages that embed them all.

Run from the repository root: `.venv/bin/python bench/staff_map.py [--reports 100000]
[--requests 50] [--browser-runs 3] [--naive-points N] [--markdown] [--strict] [--keep]`.

It creates a throwaway database (bench/seed.py: Okayama's four wards, generated reports, one
in fifty hidden) with a staff account, serves the app with gunicorn as `make run` does, and
measures, in the same run:

- tsuho: GET /staff/ signed in, timed at the client over loopback (median and p95 of
  --requests after a warm-up), its HTML bytes; then in headless Chromium, a fresh context each
  run (nothing cached), the time from navigation start to the first frame after the first
  `.leaflet-marker-icon` (a grid cell, a cluster or a marker) is in the page, and every byte
  the page loaded from our server by then and until the network is idle;
- tsuho zoom 14: on that page, the map set to zoom 14 at the city's centre, where the box is
  below the marker limit and the reports themselves are fetched: the time from setView to
  the first frame with markers, and the GeoJSON's bytes;
- naive: a Folium page with every visible report as a `folium.Marker` (with a tooltip of its
  receipt number, category and status) in a `MarkerCluster`, built in a child process;
- fast: the same points in a `FastMarkerCluster` (coordinates only), for scale.

The naive pages are written to a temporary directory and served over loopback by Python's
http.server, with Leaflet and markercluster from our static/ (no CDN: Folium's popups need
jQuery, which we do not serve, hence tooltips). Every page gets the same blank base tiles
(a data: URL), so no request leaves the machine; the script checks this. With
--naive-points N the naive page is built from N reports only and its build time and size are
scaled linearly to all of them, labelled as such; its browser figures are then N reports'.
The database is dropped at the end, unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import psycopg
import requests
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import Page as BrowserPage
from playwright.sync_api import ViewportSize
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402
from bench import serving  # noqa: E402
from bench.machine import machine_busy  # noqa: E402
from bench.machine import wait_quiet  # noqa: E402

GOAL_SERVER_MS = 300.0
GOAL_HTML_BYTES = 500_000
GOAL_FIRST_MARKERS_S = 3.0
LOGIN = "bench"
PASSWORD = "correct horse battery staple"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
ZOOMED = 14  # a zoom whose box, at the city's centre, holds fewer reports than the limit
ZOOMED_PAGE = f"tsuho zoom {ZOOMED}"
# A transparent pixel for every tile of every page: no request leaves the machine.
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                  r'type="hidden" name="csrf_token" value="([^"]+)"')  # fmt: skip
FAST_CALLBACK = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"
VISIBLE_REPORTS = """
SELECT receipt_number, category, status, ST_X(location), ST_Y(location)
FROM reports WHERE NOT hidden ORDER BY id LIMIT %s
"""

# Notes the first frame drawn after the first marker or cluster icon enters the page.
FIRST_MARKERS = """
(() => {
  const seen = window.__firstMarkers = {drawn: null};
  const selector = ".leaflet-marker-icon";
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType === 1 && (node.matches(selector) || node.querySelector(selector))) {
          observer.disconnect();
          requestAnimationFrame(() => { seen.drawn = performance.now(); });
          return;
        }
      }
    }
  });
  observer.observe(document, {childList: true, subtree: true});
})();
"""

# Bytes of every response from the page's own origin: the document and what it fetched.
LOADED_BYTES = """
() => {
  const entries = [...performance.getEntriesByType("navigation"),
                   ...performance.getEntriesByType("resource")];
  return entries.filter(e => e.name.startsWith(location.origin))
                .map(e => [e.name, e.encodedBodySize]);
}
"""

# When the document arrived and was parsed, and when the page's data was asked for and came.
TIMELINE = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const data = performance.getEntriesByType("resource").filter(e => e.initiatorType === "fetch");
  return {html: nav.responseEnd, parsed: nav.domContentLoadedEventStart,
          asked: data.length ? data[0].startTime : null,
          answered: data.length ? data[0].responseEnd : null};
}
"""

# Sets the map to a zoom at its centre and notes the first frame with report markers; null
# when none come within the time given (the box holds too many, or the fetch failed).
ZOOM_IN = """
({zoom, timeout}) => new Promise((resolve) => {
  const s = JSON.parse(document.getElementById("map-settings").textContent);
  const map = window[s.map], cluster = window[s.cluster];
  const started = performance.now();
  const check = () => {
    // The grid cells are gone once the cluster holds reports: any icon now is a report's.
    const drawn = document.querySelector(".leaflet-marker-icon, path.leaflet-interactive");
    if (cluster.getLayers().length > 0 && drawn) {
      requestAnimationFrame(() => resolve({
        seconds: (performance.now() - started) / 1000,
        markers: cluster.getLayers().length,
      }));
    } else if (performance.now() - started > timeout) {
      resolve(null);
    } else {
      setTimeout(check, 10);
    }
  };
  cluster.clearLayers();
  map.setView(map.getCenter(), zoom, {animate: false});
  check();
})
"""


@dataclass
class Page:
    """One page's figures; times in seconds, sizes in bytes."""

    name: str
    html_bytes: int = 0
    prepare: list[float] = field(default_factory=list)  # server times, or the build time
    first_markers: list[float] = field(default_factory=list)
    timelines: list[dict[str, float | None]] = field(default_factory=list)
    loaded_bytes: int = 0
    loaded: dict[str, int] = field(default_factory=dict)
    machine_cores: list[float] = field(default_factory=list)  # during each load
    busy_before: list[float] = field(default_factory=list)  # other work, just before each load
    note: str = ""
    markers: int = 0


# --- the database and the server ---


def add_staff(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy import pool
    from sqlalchemy.orm import Session

    from reporting import accounts
    from reporting.settings import database_url

    engine = create_engine(database_url(url), poolclass=pool.NullPool)
    with Session(engine) as session:
        accounts.create_user(session, LOGIN, PASSWORD, "staff")
        session.commit()
    engine.dispose()


def signed_in(base: str) -> requests.Session:
    """Sign in through the login form, as a person would; return the session."""
    client = requests.Session()
    page = client.get(f"{base}/staff/login", timeout=30).text
    match = CSRF.search(page)
    assert match, "the login page has no CSRF token"
    form = {"login": LOGIN, "password": PASSWORD, "csrf_token": match.group(1) or match.group(2)}
    answer = client.post(f"{base}/staff/login", data=form, timeout=30)
    assert answer.ok and answer.url.endswith("/staff/"), f"could not sign in: {answer.url}"
    return client


def time_map_page(client: requests.Session, base: str, count: int) -> tuple[list[float], int]:
    """GET /staff/ ``count`` times after a warm-up; return the times and the HTML's size."""
    for _ in range(5):
        client.get(f"{base}/staff/", timeout=30).raise_for_status()
    times, size = [], 0
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(f"{base}/staff/", timeout=30)
        times.append(time.perf_counter() - started)
        answer.raise_for_status()
        size = len(answer.content)
    return times, size


# --- the naive pages ---


def build_child(kind: str, url: str, points: int, out: Path) -> None:
    """Build a naive page from the first ``points`` visible reports; print figures as JSON."""
    import folium
    from folium.plugins import FastMarkerCluster
    from folium.plugins import MarkerCluster

    from gis.map_assets import serve_locally
    from gis.maps import DEFAULT_ZOOM
    from gis.maps import MAX_ZOOM
    from reporting.city_profile import load_profile

    with psycopg.connect(url) as conn:
        rows = conn.execute(VISIBLE_REPORTS, (points,)).fetchall()
    lon, lat = load_profile("okayama").map_center
    started = time.perf_counter()
    m = folium.Map(location=[lat, lon], zoom_start=DEFAULT_ZOOM, tiles=None, max_zoom=MAX_ZOOM)
    serve_locally(m, "/static/")
    folium.TileLayer(tiles=BLANK_TILE, attr="blank", max_zoom=MAX_ZOOM).add_to(m)
    cluster: MarkerCluster
    if kind == "naive":
        cluster = MarkerCluster(name="reports")
        for receipt, category, status, x, y in rows:
            folium.Marker([y, x], tooltip=f"{receipt} {category} {status}").add_to(cluster)
    else:
        cluster = FastMarkerCluster([[y, x] for *_, x, y in rows], callback=FAST_CALLBACK)
    serve_locally(cluster, "/static/")
    cluster.add_to(m)
    m.save(str(out))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "bytes": out.stat().st_size, "points": len(rows),
                      "peak_rss_mb": peak}))  # fmt: skip


def build(kind: str, url: str, points: int, out: Path) -> dict:
    """Build a naive page in a fresh interpreter, so its time and memory are its own."""
    command = [sys.executable, __file__, "--build", kind, "--db", url,
               "--naive-points", str(points), "--out", str(out)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serve a directory over loopback HTTP from a thread; yield its base URL."""
    (directory / "static").symlink_to(ROOT / "static")
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- the browser ---


@dataclass
class Browser:
    """Headless Chromium, a fresh context per page load so nothing is cached."""

    browser: Chromium
    cookies: list[dict]
    timeout: float
    outside: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def page(self, origin: str) -> Iterator[BrowserPage]:
        context = self.browser.new_context(viewport=VIEWPORT)
        context.add_cookies([{**c, "url": origin} for c in self.cookies])
        context.add_init_script(FIRST_MARKERS)
        page = context.new_page()
        page.set_default_timeout(self.timeout * 1000)
        page.on("request", lambda r: self._note(origin, r.url))
        try:
            yield page
        finally:
            context.close()

    def _note(self, origin: str, url: str) -> None:
        if not (url.startswith(origin) or url.startswith("data:")):
            self.outside.append(url)


def first_markers(browser: Browser, origin: str, path: str, quiet_wait: float) -> dict:
    """Load a page; return seconds to the first frame with markers, and bytes from origin."""
    before = wait_quiet(quiet_wait)
    busy = machine_busy()
    started = time.monotonic()
    with browser.page(origin) as page:
        page.goto(origin + path, wait_until="commit")
        page.wait_for_function("window.__firstMarkers && window.__firstMarkers.drawn !== null",
                               polling=50)  # fmt: skip
        drawn = page.evaluate("window.__firstMarkers.drawn") / 1000
        cores = (machine_busy() - busy) / (time.monotonic() - started)
        page.wait_for_load_state("networkidle")
        loaded = dict(page.evaluate(LOADED_BYTES))
        timeline = page.evaluate(TIMELINE)
        zoom = None
        if path == "/staff/":
            zoom = page.evaluate(ZOOM_IN, {"zoom": ZOOMED, "timeout": browser.timeout * 1000})
        if zoom:
            page.wait_for_load_state("networkidle")
            after = dict(page.evaluate(LOADED_BYTES))
            zoom["bytes"] = sum(after.values()) - sum(loaded.values())
    return {
        "drawn": drawn,
        "loaded": loaded,
        "cores": cores,
        "before": before,
        "zoom": zoom,
        "timeline": timeline,
    }


def browse(
    browser: Browser,
    targets: dict[str, tuple[str, str]],
    pages: dict[str, Page],
    runs: int,
    quiet_wait: float,
) -> None:
    """Load every page ``runs`` times, the order rotating; add the figures to ``pages``."""
    names = list(targets)
    for round_ in range(runs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            origin, path = targets[name]
            found = first_markers(browser, origin, path, quiet_wait)
            page = pages[name]
            page.first_markers.append(found["drawn"])
            page.timelines.append(found["timeline"])
            page.machine_cores.append(found["cores"])
            page.busy_before.append(found["before"])
            page.loaded = found["loaded"]
            page.loaded_bytes = sum(found["loaded"].values())
            if found["zoom"]:
                zoomed = pages[ZOOMED_PAGE]
                zoomed.first_markers.append(found["zoom"]["seconds"])
                zoomed.loaded_bytes = found["zoom"]["bytes"]
                zoomed.markers = found["zoom"]["markers"]
            print(f"  round {round_ + 1} {name}: first markers {found['drawn']:.2f} s, machine"
                  f" cores busy {found['before']:.1f} before, {found['cores']:.1f} during",
                  flush=True)  # fmt: skip


# --- reporting ---


def kb(size: float) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def times(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def verdicts(pages: dict[str, Page]) -> list[tuple[str, str, str, bool | None]]:
    tsuho, naive, fast = pages["tsuho"], pages["naive MarkerCluster"], pages["FastMarkerCluster"]
    server = statistics.median(tsuho.prepare)
    drawn = statistics.median(tsuho.first_markers)
    rows: list[tuple[str, str, str, bool | None]] = [
        (f"map page server time (median of {len(tsuho.prepare)})", seconds(server),
         f"< {GOAL_SERVER_MS:.0f} ms", server * 1000 < GOAL_SERVER_MS),
        ("map page server time (p95)", seconds(p95(tsuho.prepare)), "", None),
        ("map page HTML", kb(tsuho.html_bytes), f"< {GOAL_HTML_BYTES // 1000} KB",
         tsuho.html_bytes < GOAL_HTML_BYTES),
        (f"first markers drawn (median of {len(tsuho.first_markers)})", seconds(drawn),
         f"< {GOAL_FIRST_MARKERS_S:.0f} s", drawn < GOAL_FIRST_MARKERS_S),
    ]  # fmt: skip
    for other in (naive, fast):
        rows += [
            (f"{other.name} build / tsuho server time",
             times(statistics.median(other.prepare) / server), "", None),
            (f"{other.name} HTML / tsuho HTML", times(other.html_bytes / tsuho.html_bytes),
             "", None),
            (f"{other.name} first markers / tsuho",
             times(statistics.median(other.first_markers) / drawn), "", None),
        ]  # fmt: skip
    return rows


def print_results(
    pages: dict[str, Page], results: list[tuple[str, str, str, bool | None]], markdown: bool
) -> None:
    print("\n| page | server or build time | HTML | loaded from the server | first markers "
          "| runs (s) | machine cores busy before / during |\n"
          "| --- | ---: | ---: | ---: | ---: | --- | --- |")  # fmt: skip
    for page in pages.values():
        prepare = seconds(statistics.median(page.prepare)) if page.prepare else ""
        html = kb(page.html_bytes) if page.html_bytes else ""
        drawn = seconds(statistics.median(page.first_markers)) if page.first_markers else ""
        runs = ", ".join(f"{t:.2f}" for t in page.first_markers)
        busy = ", ".join(
            f"{b:.1f} / {c:.1f}" for b, c in zip(page.busy_before, page.machine_cores, strict=True)
        )
        name = f"`{page.name}`" + (f" ({page.note})" if page.note else "")
        print(f"| {name} | {prepare} | {html} | {kb(page.loaded_bytes)} | {drawn} | {runs} "
              f"| {busy} |")  # fmt: skip
    print("\n| figure | value | goal | verdict |\n| --- | ---: | ---: | --- |")
    for name, value, goal, passed in results:
        verdict = "" if passed is None else "PASS" if passed else "**FAIL**"
        print(f"| {name} | {value} | {goal} | {verdict} |")
    print("\nWhere the time to first markers goes (medians, ms from navigation start):")
    for page in pages.values():
        if page.timelines:
            print(f"- {page.name}: {timeline(page)}")
    tsuho = pages["tsuho"]
    print("\ntsuho's first load from the server: "
          + ", ".join(f"{name.split('/', 3)[-1]} {kb(size)}"
                      for name, size in tsuho.loaded.items()))  # fmt: skip
    if markdown:
        print(f"\nMeasured {date.today().isoformat()}.")


def timeline(page: Page) -> str:
    """Return the median moment of each step of a page's loads, and of its first markers."""
    marks = []
    for step in page.timelines[0]:
        moments = [moment for t in page.timelines if (moment := t[step]) is not None]
        if moments:
            marks.append(f"{step} {statistics.median(moments):.0f}")
    return ", ".join([*marks, f"drawn {statistics.median(page.first_markers) * 1000:.0f}"])


def facts(url: str, reports: int, visible: int, chromium: str) -> str:
    import folium

    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        postgis = conn.execute("SELECT postgis_lib_version()").fetchone()
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), "?")  # fmt: skip
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs ({model}); Python "
        f"{platform.python_version()}; PostgreSQL {version[0] if version else '?'}, PostGIS "
        f"{postgis[0] if postgis else '?'}; Folium {folium.__version__}; Chromium {chromium}; "
        f"{reports} reports, {visible} visible; viewport {VIEWPORT['width']}x{VIEWPORT['height']}"
    )


# --- the run ---


def benchmark(args: argparse.Namespace) -> int:
    if not Path(args.chromium).is_file():
        sys.exit(f"{args.chromium} is missing (scripts/system-packages.sh chromium)")
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tsuho-bench-")))
        url = stack.enter_context(
            seed.throwaway_database(seed.server_url(), args.keep, "tsuho_bench_map")
        )
        seed.prepare(url, args.reports)
        add_staff(url)
        with psycopg.connect(url) as conn:
            counted = conn.execute("SELECT count(*) FROM reports WHERE NOT hidden").fetchone()
        visible = counted[0] if counted else 0
        pages = {
            name: Page(name)
            for name in ("tsuho", ZOOMED_PAGE, "naive MarkerCluster", "FastMarkerCluster")
        }

        naive_points = min(args.naive_points or visible, visible)
        for kind, name, points in (("fast", "FastMarkerCluster", visible),
                                   ("naive", "naive MarkerCluster", naive_points)):  # fmt: skip
            print(f"building the {name} page of {points} reports", flush=True)
            built = build(kind, url, points, work / f"{kind}.html")
            scale = visible / built["points"]
            pages[name].prepare = [built["seconds"] * scale]
            pages[name].html_bytes = round(built["bytes"] * scale)
            if scale != 1:
                pages[name].note = f"build and HTML extrapolated from {built['points']} reports"
            print(f"  {built['seconds']:.1f} s, {kb(built['bytes'])},"
                  f" peak RSS {built['peak_rss_mb']:.0f} MB", flush=True)  # fmt: skip

        env = {"MAP_TILES_URL": BLANK_TILE}
        options = ("--worker-class", "gthread", "--threads", "4")
        server = serving.start_gunicorn(url, work, options, env)
        stack.callback(serving.stop_gunicorn, server)
        client = signed_in(server.url)
        before = wait_quiet(args.quiet_wait)
        busy, started = machine_busy(), time.monotonic()
        times, pages["tsuho"].html_bytes = time_map_page(client, server.url, args.requests)
        during = (machine_busy() - busy) / (time.monotonic() - started)
        pages["tsuho"].prepare = times
        print(f"GET /staff/: median {seconds(statistics.median(times))}, p95"
              f" {seconds(p95(times))}, {kb(pages['tsuho'].html_bytes)}; machine cores busy"
              f" {before:.1f} before, {during:.1f} during", flush=True)  # fmt: skip

        naive_origin = stack.enter_context(static_server(work))
        targets = {
            "tsuho": (server.url, "/staff/"),
            "naive MarkerCluster": (naive_origin, "/naive.html"),
            "FastMarkerCluster": (naive_origin, "/fast.html"),
        }
        cookies = [{"name": c.name, "value": c.value} for c in client.cookies]
        playwright = stack.enter_context(sync_playwright())
        chromium = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        stack.callback(chromium.close)
        browser = Browser(chromium, cookies, args.browser_timeout)
        browse(browser, targets, pages, args.browser_runs, args.quiet_wait)
        if browser.outside:
            sys.exit(f"requests left the machine: {sorted(set(browser.outside))[:5]}")
        pages[ZOOMED_PAGE].note = f"{pages[ZOOMED_PAGE].markers} reports fetched"
        description = facts(url, args.reports, visible, chromium.version)
    print(description)
    results = verdicts(pages)
    print_results(pages, results, args.markdown)
    failed = any(passed is False for *_, passed in results)
    return 1 if args.strict and failed else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports to generate")
    parser.add_argument("--requests", type=int, default=50, help="timed GETs of the map page")
    parser.add_argument("--browser-runs", type=int, default=3, help="page loads per page")
    parser.add_argument(
        "--naive-points", type=int, default=0,
        help="build the naive MarkerCluster page from this many reports and scale up",
    )  # fmt: skip
    parser.add_argument(
        "--browser-timeout", type=float, default=900.0, help="seconds a page may take to draw"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=30.0,
        help="seconds to wait at most for an idle machine before each page load",
    )  # fmt: skip
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium to drive")
    parser.add_argument("--markdown", action="store_true", help="end with the date line")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--build", choices=("naive", "fast"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def stop(signum: int, frame: object) -> None:
    """Turn SIGTERM into an exit that runs the clean-ups: the server, the database."""
    sys.exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    arguments = parse_args()
    if arguments.build:
        build_child(arguments.build, arguments.db, arguments.naive_points, arguments.out)
        sys.exit(0)
    sys.exit(benchmark(arguments))
