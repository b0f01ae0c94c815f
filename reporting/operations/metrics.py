"""Prometheus metrics: what each process counts, and what the database says at scrape time.

Counters and histograms live in the process that observes them. Under gunicorn, and beside a
worker on the same machine, they are shared through ``PROMETHEUS_MULTIPROC_DIR`` (set by
``gunicorn.conf.py`` and ``make run``), and ``/metrics`` adds up every process's files.
Gauges about the queue and the reports are read from PostgreSQL when scraped, so any web
process tells the whole deployment's truth, however many machines run workers.
"""

import os
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime

from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy import text

# prometheus_client opens its files in this directory as each metric is made, below: make the
# directory first, so a command run with the variable set but no directory yet does not crash.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

HTTP_REQUESTS = Counter(
    "tsuho_http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "tsuho_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 30.0),
)
WEBHOOK_EVENTS = Counter(
    "tsuho_line_webhook_events_total", "LINE webhook events received", ["result"]
)
LINE_CALLS = Counter(
    "tsuho_line_api_calls_total",
    "Calls to the LINE Platform by result: ok, 429, 4xx, 5xx, or unanswered",
    ["endpoint", "result"],
)
JOBS = Counter("tsuho_jobs_total", "Background jobs run, by task and outcome", ["task", "outcome"])
JOB_SECONDS = Histogram(
    "tsuho_job_duration_seconds",
    "Time a background job ran",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
PHOTO_CLEAN_SECONDS = Histogram(
    "tsuho_photo_clean_seconds",
    "Time to clean a photo (decode, strip, re-encode, thumbnail)",
    buckets=(0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2),
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def line_result(status: int | None) -> str:
    """Name a LINE answer for LINE_CALLS: 429 and server errors are counted apart."""
    if status is None:
        return "unanswered"
    if status == 429:
        return "429"
    if status >= 500:
        return "5xx"
    if status >= 400:
        return "4xx"
    return "ok"


class DatabaseCollector(Collector):
    """The queue and the reports as PostgreSQL sees them when /metrics is scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.engine.connect() as connection:
            pending = connection.execute(
                text(
                    "SELECT count(*), min(received_at) FROM line_events"
                    " WHERE processed_at IS NULL"
                )
            ).one()
            jobs = connection.execute(
                text(
                    "SELECT task_name, status::text, count(*) FROM procrastinate_jobs"
                    " GROUP BY task_name, status"
                )
            ).all()
            reports = connection.execute(
                text("SELECT status, source, count(*) FROM reports GROUP BY status, source")
            ).all()
        yield GaugeMetricFamily(
            "tsuho_line_events_pending", "LINE events recorded and not yet handled",
            value=pending[0],
        )
        oldest = (datetime.now(UTC) - pending[1]).total_seconds() if pending[1] else 0.0
        yield GaugeMetricFamily(
            "tsuho_line_events_oldest_pending_seconds",
            "Age of the oldest LINE event not yet handled (0 when none waits)",
            value=max(0.0, oldest),
        )
        by_status = GaugeMetricFamily(
            "tsuho_jobs", "Background jobs in the queue, by task and status",
            labels=["task", "status"],
        )
        for task, status, count in jobs:
            by_status.add_metric([task, status], count)
        yield by_status
        by_source = GaugeMetricFamily(
            "tsuho_reports", "Reports by status and source", labels=["status", "source"]
        )
        for status, source, count in reports:
            by_source.add_metric([status, source], count)
        yield by_source


def exposition(engine: Engine) -> bytes:
    """Return every process's metrics and the database's, in Prometheus' text format."""
    database = CollectorRegistry()
    database.register(DatabaseCollector(engine))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        return generate_latest(processes) + generate_latest(database)
    return generate_latest(REGISTRY) + generate_latest(database)
