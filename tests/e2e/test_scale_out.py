"""Scale-out: two gunicorn servers and two workers on one database and one S3 bucket (moto's
server) handle interleaved events of many residents: every report filed once, each resident's
events handled in order, no photo missing."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests

from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from reporting.line.sandbox.fake.scripts import photo_first_report
from reporting.settings import libpq_url
from tests.object_storage import S3Server
from tests.processes import gunicorn
from tests.processes import wait_until
from tests.processes import worker
from tests.reporting.images import encode
from tests.reporting.images import noise
from tests.reporting.line_world import BOT
from tests.reporting.line_world import KITA
from tests.reporting.line_world import SECRET
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform

pytestmark = pytest.mark.slow

RESIDENTS = 24
TERMS = "2026-11-01"


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


def rows(db_url: str, sql: str) -> list[tuple]:
    with psycopg.connect(libpq_url(db_url)) as conn:
        return conn.execute(sql).fetchall()


def test_two_servers_and_two_workers_file_every_report_once_in_order(
    fresh_areas_db_url: str, s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    # Six photos for 24 residents: the same bytes arrive from several at once (stored once).
    pool = [encode(noise("RGB", (640, 480), seed), "JPEG") for seed in range(6)]
    with line_platform() as platform:
        env = {
            "DATABASE_URL": fresh_areas_db_url,
            "SECRET_KEY": "scale-out",
            "PHOTO_STORE": f"s3://{bucket}/okayama",
            **s3_server.env,
            **{k: str(v) for k, v in line_config(platform).items()},
        }
        workers = [
            worker(env, tmp_path / f"worker{n}.log", "--concurrency", "2") for n in range(2)
        ]
        try:
            with (
                gunicorn(env, tmp_path / "web0.log", workers=1) as first,
                gunicorn(env, tmp_path / "web1.log", workers=1) as second,
            ):
                builder = EventBuilder(platform)
                users = [f"U{n:032x}" for n in range(RESIDENTS)]
                scripts = {
                    user: photo_first_report(
                        builder, user, pool[n % len(pool)], KITA[0] + n * 4e-4, KITA[1], TERMS
                    )
                    for n, user in enumerate(users)
                }

                def play(user: str) -> list[int]:
                    """One resident's events in order, each to one server or the other."""
                    statuses = []
                    for index, event in enumerate(scripts[user]):
                        url = (first, second)[(index + len(user)) % 2]
                        body = webhook_body(BOT, [event])
                        response = requests.post(
                            f"{url}/line/webhook", data=body, timeout=30,
                            headers={"X-Line-Signature": signature(body, SECRET)},
                        )
                        statuses.append(response.status_code)
                    return statuses

                with ThreadPoolExecutor(8) as senders:
                    answers = list(senders.map(play, users))
                assert all(status == 200 for statuses in answers for status in statuses)
                wait_until(
                    lambda: rows(fresh_areas_db_url, "SELECT count(*) FROM reports")
                    == [(RESIDENTS,)],
                    240, every=0.5,
                )
                wait_until(
                    lambda: rows(
                        fresh_areas_db_url,
                        "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'"
                        " AND task_name NOT IN ('retry_stalled_jobs', 'run_retention')",
                    ) == [(0,)],
                    120, every=0.5,
                )
        finally:
            for process in workers:
                process.stop()
        replies = {user: [m.text or "" for m in platform.sent_to(user)] for user in users}

    reports = rows(
        fresh_areas_db_url,
        "SELECT res.line_user_id, r.receipt_number, count(p.id), min(p.storage_key),"
        " min(p.thumbnail_key) FROM reports r JOIN residents res ON res.id = r.resident_id"
        " LEFT JOIN photos p ON p.report_id = r.id"
        " GROUP BY res.line_user_id, r.receipt_number",
    )
    # Every report exactly once, one per resident, each with its photo.
    assert sorted(user for user, *_ in reports) == sorted(users)
    assert all(count == 1 for _, _, count, _, _ in reports)
    names = set(s3_server.object_names(bucket))
    for user, receipt, _, full, thumbnail in reports:
        assert f"okayama/{full[:2]}/{full[2:4]}/{full}.jpg" in names
        assert f"okayama/{thumbnail[:2]}/{thumbnail[2:4]}/{thumbnail}.jpg" in names
        # The resident was told their receipt number, last.
        assert re.search(receipt, replies[user][-1]), replies[user]
    assert len(names) == 2 * len(pool)  # stored once however many residents sent them
    # Each resident's events were handled in the order they were sent.
    out_of_order = rows(
        fresh_areas_db_url,
        "SELECT line_user_id FROM (SELECT line_user_id, processed_at, lag(processed_at)"
        " OVER (PARTITION BY line_user_id ORDER BY event_time, id) AS before"
        " FROM line_events) e WHERE processed_at < before OR processed_at IS NULL",
    )
    assert out_of_order == []
    assert rows(fresh_areas_db_url, "SELECT count(*) FROM line_events") == [
        (RESIDENTS * 6,)
    ]
