"""/metrics: refused without the token, absent without one configured, and what it counts."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from reporting.db import db
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.models import JobFailure
from tests.conftest import AppFactory
from tests.reporting.line_world import Resident
from tests.reporting.line_world import drain
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform) -> Flask:
    return make_app(fresh_areas_db_url, METRICS_TOKEN=TOKEN, **line_config(platform))


def scrape(app: Flask) -> str:
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/plain"
    return response.text


def value(text: str, name: str, **labels: str) -> float:
    """The sample's value, 0 when absent; labels must match exactly those given."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


def test_metrics_answer_404_without_a_configured_token(
    areas_db_url: str, make_app: AppFactory
) -> None:
    client = make_app(areas_db_url).test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(app: Flask) -> None:
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "tsuho_" not in response.text


def test_metrics_count_the_webhook_the_jobs_line_and_the_queue(
    app: Flask, platform: FakeLinePlatform
) -> None:
    before = scrape(app)
    resident = Resident("U" + "7" * 32, platform, app.test_client())
    resident.says("こんにちは")
    middle = scrape(app)
    assert value(middle, "tsuho_line_events_pending") == 1
    assert value(middle, "tsuho_line_events_oldest_pending_seconds") > 0
    assert value(middle, "tsuho_jobs", task="handle_line_event", status="todo") == 1

    platform.fail_next(1, 429, endpoint="reply")  # LINE refuses the first reply: retried
    drain(app)
    after = scrape(app)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    webhook = {"endpoint": "line.webhook", "method": "POST", "status": "200"}
    assert grew("tsuho_http_requests_total", **webhook) == 1
    assert grew("tsuho_http_request_duration_seconds_count", endpoint="line.webhook") == 1
    assert grew("tsuho_line_webhook_events_total", result="new") == 1
    assert grew("tsuho_jobs_total", task="handle_line_event", outcome="succeeded") == 1
    assert grew("tsuho_jobs_total", task="send_line_messages", outcome="failed") == 1
    assert grew("tsuho_line_api_calls_total", endpoint="reply", result="429") == 1
    assert value(after, "tsuho_line_events_pending") == 0
    assert value(after, "tsuho_line_events_oldest_pending_seconds") == 0
    assert value(after, "tsuho_jobs", task="handle_line_event", status="succeeded") == 1
    # The failed send waits for its retry, and its error is kept for the operations page.
    assert value(after, "tsuho_jobs", task="send_line_messages", status="todo") == 1
    with app.app_context():
        failure = db.session.scalars(select(JobFailure)).one()
    assert failure.task_name == "send_line_messages"
    assert failure.error == "LineUnavailable: LINE answered 429"
    assert "tsuho_reports" in after
    assert "tsuho_photo_clean_seconds" in after


def test_a_command_makes_a_missing_multiprocess_directory(tmp_path: Path) -> None:
    directory = tmp_path / "not" / "yet"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    code = "from reporting.operations import metrics; metrics.WEBHOOK_EVENTS.labels('ok').inc()"
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert any(directory.glob("counter_*.db"))
