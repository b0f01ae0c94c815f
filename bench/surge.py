"""A disaster surge: many residents report at once while workers run and LINE rate-limits.

Run from the repository root: `.venv/bin/python bench/surge.py [--residents 5000]
[--workers 1 2] [--senders 32] [--line-rate 100] [--markdown] [--strict]`
(see docs/benchmarks.md; `--residents 30` is a quick check that it works).

For each number of worker processes it creates a throwaway database (migrated, Okayama's
areas loaded), serves the fake LINE Platform in this process with a rate limit on replies and
pushes (429 above it), starts gunicorn as `make run` does and the worker processes, and sends
every resident's photo-first report (`reporting.line.sandbox.fake.scripts`) to the webhook as
fast as it accepts them: one event per request, each resident's events in order, many
residents at once, from an asyncio client in a child process. Photos come from a pool of
4032 x 3024 phone-like JPEGs. It measures how long each event took to be acknowledged, then
waits until the backlog is drained: every event handled, every report filed, every reply or
push delivered (429s included, retried with backoff). Finally it checks that no event was
lost, each resident has exactly one report with its photo and got its receipt number.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import pickle
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from PIL import Image
from PIL import ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import prepare  # noqa: E402
from bench.seed import server_url  # noqa: E402
from bench.seed import throwaway_database  # noqa: E402
from reporting.line.sandbox.fake.events import EventBuilder  # noqa: E402
from reporting.line.sandbox.fake.events import signature  # noqa: E402
from reporting.line.sandbox.fake.events import webhook_body  # noqa: E402
from reporting.line.sandbox.fake.platform import FakeLinePlatform  # noqa: E402
from reporting.line.sandbox.fake.scripts import photo_first_report  # noqa: E402
from reporting.line.sandbox.fake.server import serve  # noqa: E402

SECRET = "surge-channel-secret"
ACCESS_TOKEN = "surge-channel-access-token"
BOT = "U" + "b" * 32
TERMS = "2026-11-01"  # the Okayama profile's terms version
KITA = (133.9195, 34.6551)
ACK_GOAL_S = 2.0  # LINE waits this long for the webhook's answer


@dataclass(frozen=True)
class Result:
    workers: int
    residents: int
    events: int
    acked: int
    not_acked: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    over_goal: int
    intake_s: float
    drain_s: float
    stored: int
    reports: int
    residents_with_one_report: int
    told_receipt: int
    rate_limited: int
    replies: int
    pushes: int
    failed_jobs: int


def phone_photo(seed: int) -> bytes:
    """A 4032 x 3024 JPEG at quality 90 with shapes and grain, as a phone takes them."""
    rng = random.Random(seed)
    image = Image.radial_gradient("L").resize((4032, 3024)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(200):
        x, y, r = rng.randrange(4032), rng.randrange(3024), rng.randrange(20, 400)
        draw.ellipse((x, y, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    grain = Image.frombytes("L", (4032, 3024), rng.randbytes(4032 * 3024)).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(image, grain, 0.08).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def build(platform: FakeLinePlatform, residents: int, senders: int, photos: list[bytes],
          directory: Path) -> int:
    """Write each sender's signed requests: its residents' events, each resident in order."""
    builder = EventBuilder(platform)
    per_sender: list[list[tuple[str, bytes]]] = [[] for _ in range(senders)]
    total = 0
    for n in range(residents):
        user = f"U{n:032x}"
        # A grid of places 31 m (east) by 38 m (north) apart: no two residents within the
        # 30 m where the bot asks whether it is the same damage.
        lon = KITA[0] + (n % 100) * 3.4e-4
        lat = KITA[1] + (n // 100 % 100) * 3.4e-4
        for event in photo_first_report(builder, user, photos[n % len(photos)], lon, lat, TERMS):
            body = webhook_body(BOT, [event])
            per_sender[n % senders].append((signature(body, SECRET), body))
            total += 1
    for index, requests in enumerate(per_sender):
        (directory / f"{index}.pickle").write_bytes(pickle.dumps(requests))
    return total


async def send_all(url: str, directory: Path, senders: int) -> dict[str, list]:
    """Send every sender's requests, senders at once, each waiting for its answers."""
    import aiohttp

    out: dict[str, list] = {"latencies": [], "statuses": []}

    async def sender(session: aiohttp.ClientSession, items: list[tuple[str, bytes]]) -> None:
        for signed, body in items:
            headers = {"Content-Type": "application/json", "X-Line-Signature": signed}
            started = time.monotonic()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            out["latencies"].append(time.monotonic() - started)
            out["statuses"].append(status)

    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=senders)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(
            sender(session, pickle.loads((directory / f"{n}.pickle").read_bytes()))
            for n in range(senders)
        ))
    return out


def sender_child(url: str, directory: str, senders: str, result: str) -> None:
    out = asyncio.run(send_all(url, Path(directory), int(senders)))
    Path(result).write_text(json.dumps(out))


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def one(db_url: str, sql: str) -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


PENDING_SQL = """
SELECT (SELECT count(*) FROM line_events WHERE processed_at IS NULL)
     + (SELECT count(*) FROM procrastinate_jobs
        WHERE status IN ('todo', 'doing') AND task_name <> 'retry_stalled_jobs'
          AND task_name <> 'run_retention')
"""


def run(args: argparse.Namespace, workers: int, photos: list[bytes]) -> Result:
    bin_dir = Path(sys.executable).parent
    with (
        throwaway_database(server_url(), args.keep, "tsuho_surge") as db_url,
        tempfile.TemporaryDirectory() as temp,
        serve(FakeLinePlatform(ACCESS_TOKEN)) as platform,
    ):
        work = Path(temp)
        prepare(db_url, 0)
        platform.limit_rate(args.line_rate)
        events = build(platform, args.residents, args.senders, photos, work)
        port = args.port
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "TSUHO_ENV")},
            "DATABASE_URL": db_url, "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN, "LINE_API_HOST": platform.url or "",
            "TSUHO_VAR_DIR": str(work / "var"), "PHOTO_DIR": str(work / "photos"),
            "LOG_LEVEL": "WARNING",
        }
        web = start([str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                     "--worker-class", "gthread", "--threads", "4", "app:create_app()"],
                    env, work / "web.log")
        running = [web] + [
            start([str(bin_dir / "flask"), "--app", "app", "worker", "--concurrency",
                   str(args.concurrency)], env, work / f"worker{n}.log")
            for n in range(workers)
        ]
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            result_file = work / "sent.json"
            started = time.monotonic()
            subprocess.run([sys.executable, __file__, "--send",
                            f"http://127.0.0.1:{port}/line/webhook", str(work),
                            str(args.senders), str(result_file)], check=True)
            intake = time.monotonic() - started
            while one(db_url, PENDING_SQL) and time.monotonic() - started < args.drain_limit:
                time.sleep(1)
            drain = time.monotonic() - started
            sent = json.loads(result_file.read_text())
            return summarise(db_url, platform, workers, args.residents, events, sent,
                             intake, drain)
        finally:
            for process in reversed(running):
                stop(process)


def summarise(db_url: str, platform: FakeLinePlatform, workers: int, residents: int,
              events: int, sent: dict[str, list], intake: float, drain: float) -> Result:
    latencies = sorted(ms * 1000 for ms in sent["latencies"])
    acked = sum(1 for status in sent["statuses"] if status == 200)
    users = [f"U{n:032x}" for n in range(residents)]
    with psycopg.connect(db_url) as conn:
        receipts = dict(conn.execute(
            "SELECT res.line_user_id, r.receipt_number FROM reports r"
            " JOIN residents res ON res.id = r.resident_id"
        ).fetchall())
    told = sum(
        1 for user in users
        if user in receipts and any(receipts[user] in (m.text or "")
                                    for m in platform.sent_to(user))
    )
    return Result(
        workers=workers, residents=residents, events=events, acked=acked,
        not_acked=len(latencies) - acked,
        p50_ms=statistics.median(latencies), p99_ms=percentile(latencies, 99),
        max_ms=latencies[-1], over_goal=sum(1 for ms in latencies if ms > ACK_GOAL_S * 1000),
        intake_s=intake, drain_s=drain,
        stored=one(db_url, "SELECT count(*) FROM line_events"),
        reports=one(db_url, "SELECT count(*) FROM reports"),
        residents_with_one_report=one(
            db_url,
            "SELECT count(*) FROM (SELECT resident_id FROM reports r"
            " WHERE EXISTS (SELECT 1 FROM photos p WHERE p.report_id = r.id)"
            " GROUP BY resident_id HAVING count(*) = 1) x",
        ),
        told_receipt=told, rate_limited=platform.rate_limited, replies=platform.replies,
        pushes=platform.pushes,
        failed_jobs=one(db_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'"),
    )


def percentile(ordered: list[float], p: float) -> float:
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def verdicts(result: Result) -> list[tuple[str, bool]]:
    return [
        (f"every event acknowledged within {ACK_GOAL_S:.0f} s (p99 {result.p99_ms:.0f} ms, "
         f"max {result.max_ms:.0f} ms)", result.over_goal == 0 and result.not_acked == 0),
        ("no event lost (acknowledged = stored)", result.acked == result.stored == result.events),
        ("every report filed once, with its photo",
         result.reports == result.residents_with_one_report == result.residents),
        ("every resident told their receipt number (429s retried)",
         result.told_receipt == result.residents and result.failed_jobs == 0),
    ]


def report(results: list[Result], markdown: bool) -> bool:
    passed = True
    for result in results:
        print(f"\n{result.workers} worker process(es): {result.residents} residents, "
              f"{result.events} events")
        print(f"  intake {result.intake_s:.1f} s ({result.events / result.intake_s:.0f} events/s),"
              f" ack p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms,"
              f" max {result.max_ms:.0f} ms, over {ACK_GOAL_S:.0f} s: {result.over_goal}")
        print(f"  backlog drained after {result.drain_s:.1f} s; LINE answered 429 "
              f"{result.rate_limited} times; {result.replies} replies, {result.pushes} pushes")
        for goal, ok in verdicts(result):
            passed &= ok
            print(f"  {'PASS' if ok else 'FAIL'}  {goal}")
    if markdown:
        print(f"\nMeasured {date.today().isoformat()}, {os.cpu_count()} CPUs.\n")
        print("| workers | residents | events | ack p50 ms | ack p99 ms | ack max ms | over 2 s |"
              " intake s | drain s | 429s | replies | pushes | reports once | told receipt |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
              " ---: | ---: | ---: |")
        for r in results:
            print(f"| {r.workers} | {r.residents} | {r.events} | {r.p50_ms:.0f} | {r.p99_ms:.0f}"
                  f" | {r.max_ms:.0f} | {r.over_goal} | {r.intake_s:.1f} | {r.drain_s:.1f} |"
                  f" {r.rate_limited} | {r.replies} | {r.pushes} |"
                  f" {r.residents_with_one_report} | {r.told_receipt} |")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="worker processes, one run each")
    parser.add_argument("--concurrency", type=int, default=4, help="jobs at once per worker")
    parser.add_argument("--senders", type=int, default=32, help="requests in flight")
    parser.add_argument("--line-rate", type=float, default=100.0,
                        help="replies and pushes a second before LINE answers 429")
    parser.add_argument("--photos", type=int, default=8, help="distinct phone photos")
    parser.add_argument("--drain-limit", type=float, default=7200.0, help="seconds")
    parser.add_argument("--port", type=int, default=5091)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal fails")
    parser.add_argument("--send", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        sender_child(*args.send)
        return 0
    photos = [phone_photo(seed) for seed in range(args.photos)]
    results = [run(args, workers, photos) for workers in args.workers]
    passed = report(results, args.markdown)
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
