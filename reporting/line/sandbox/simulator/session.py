"""A whole simulator run: serve the fake LINE Platform, reach the server, play scripts, prompt.

The server and the worker must be started with LINE_API_HOST pointing at the fake platform
served here, and the same channel secret and access token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

import requests

from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.line.sandbox.fake.server import serve
from reporting.line.sandbox.simulator.prompt import interact
from reporting.line.sandbox.simulator.resident import DEMO_SECRET
from reporting.line.sandbox.simulator.resident import DEMO_TOKEN
from reporting.line.sandbox.simulator.resident import Simulator
from reporting.line.sandbox.simulator.script import Script
from reporting.line.sandbox.simulator.script import StepFailed
from reporting.line.sandbox.simulator.transcript import Transcript

DEFAULT_WEBHOOK = "http://127.0.0.1:5000/line/webhook"
DEFAULT_FAKE_HOST = "127.0.0.1"
DEFAULT_FAKE_PORT = 8787


@dataclass(frozen=True)
class Options:
    """How to reach the server, and how the fake LINE Platform is served."""

    server: str = DEFAULT_WEBHOOK
    fake_host: str = DEFAULT_FAKE_HOST
    fake_port: int = DEFAULT_FAKE_PORT
    secret: str = DEMO_SECRET
    token: str = DEMO_TOKEN
    timeout: float = 15.0
    wait_server: float = 0.0
    user_id: str | None = None


class HttpWebhook:
    """A running Tsuho's webhook URL, reached over HTTP as LINE reaches it."""

    def __init__(self, url: str, session: requests.Session, *, timeout: float = 10.0) -> None:
        self.url = url
        self.session = session
        self.timeout = timeout

    def post(self, body: bytes, signature: str) -> None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "LineBotWebhook/2.0",
            "X-Line-Signature": signature,
        }
        try:
            response = self.session.post(
                self.url, data=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise StepFailed(
                f"cannot reach {self.url} ({type(exc).__name__}): is the server running?"
            ) from exc
        if response.status_code == 200:
            return
        detail = _problem(response)
        if response.status_code == 400 and "signature" in detail:
            raise StepFailed(
                f"{self.url} refused the signature: start the server with the same "
                "LINE_CHANNEL_SECRET as the simulator's --secret"
            )
        raise StepFailed(f"{self.url} answered {response.status_code}: {detail}")

    def wait_until_up(self, seconds: float) -> None:
        """Wait for the server to answer at all (a GET on the webhook is a 405), for scripts."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.session.get(self.url, timeout=2).close()
                return
            except requests.ConnectionError as exc:
                if time.monotonic() >= deadline:
                    raise StepFailed(f"{self.url} did not answer within {seconds:g} s") from exc
                time.sleep(0.2)


def _problem(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("title", body))[:200] if isinstance(body, dict) else str(body)[:200]


@contextmanager
def fake_platform(options: Options) -> Iterator[FakeLinePlatform]:
    """Serve the fake LINE Platform where the server and worker were told it is."""
    stack = ExitStack()
    try:
        platform = stack.enter_context(
            serve(FakeLinePlatform(options.token), options.fake_host, options.fake_port)
        )
    except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken
        raise StepFailed(
            f"cannot serve the fake LINE Platform on {options.fake_host}:{options.fake_port}: "
            "is another simulator or `flask line fake` using it? (see --fake-port)"
        ) from exc
    with stack:
        yield platform


def simulate(
    options: Options,
    scripts: Sequence[Script],
    out: TextIO,
    *,
    interactive: bool = False,
    read: Callable[[str], str] = input,
) -> list[str]:
    """Play the scripts (each as a new resident unless a user is given), then maybe a REPL.

    Returns the receipt numbers the bot gave out.
    """
    transcript = Transcript(out)
    receipts: list[str] = []
    with fake_platform(options) as platform, requests.Session() as session:
        webhook = HttpWebhook(options.server, session)
        if options.wait_server:
            webhook.wait_until_up(options.wait_server)
        transcript.note(f"fake LINE Platform on {platform.url}; webhooks to {options.server}")

        def resident() -> Simulator:
            return Simulator(
                platform,
                webhook,
                transcript,
                secret=options.secret,
                user_id=options.user_id,
                timeout=options.timeout,
            )

        simulator = None
        try:
            for script in scripts:
                simulator = resident()
                transcript.heading(f"{script.name} · resident {simulator.user_id}")
                simulator.run_script(script)
                receipts += simulator.receipts
            if interactive:
                simulator = simulator or resident()
                interact(simulator, read)
                receipts += [r for r in simulator.receipts if r not in receipts]
        finally:
            if simulator is not None:
                simulator.show_new()
    return receipts
