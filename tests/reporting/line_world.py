"""A resident, the fake LINE Platform and Tsuho's worker, in one test process."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from reporting.jobs import WORKER_MIDDLEWARE
from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.line.sandbox.fake.platform import SentMessage
from reporting.line.sandbox.fake.server import serve

SECRET = "test-channel-secret"
TOKEN = "test-channel-access-token"
BOT = "U" + "b" * 32
# Inside Okayama's Kita ward, and inside Kurashiki next door.
KITA = (133.9195, 34.6551)
KURASHIKI = (133.7720, 34.5850)


@contextmanager
def line_platform() -> Iterator[FakeLinePlatform]:
    """A fake LINE Platform served on loopback."""
    with serve(FakeLinePlatform(TOKEN)) as platform:
        yield platform


def line_config(platform: FakeLinePlatform) -> dict[str, Any]:
    """The settings that point an application at the fake platform."""
    return {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_HOST": platform.url,
    }


def drain(app: Flask) -> None:
    """Run every queued job to the end (concurrency 1, so locked jobs are not left behind)."""
    app.extensions["tsuho.jobs"].run_worker(
        wait=False,
        concurrency=1,
        install_signal_handlers=False,
        additional_context={"flask_app": app},
        worker_middleware=WORKER_MIDDLEWARE,
    )


@dataclass
class Resident:
    """Someone chatting with the city's account."""

    user_id: str
    platform: FakeLinePlatform
    client: FlaskClient

    @property
    def events(self) -> EventBuilder:
        return EventBuilder(self.platform)

    def deliver(self, *events: dict[str, Any]) -> int:
        """POST the events to the webhook as LINE would; return the HTTP status."""
        body = webhook_body(BOT, list(events))
        response = self.client.post(
            "/line/webhook",
            data=body,
            headers={"X-Line-Signature": signature(body, SECRET)},
        )
        return response.status_code

    def says(self, text: str) -> None:
        assert self.deliver(self.events.text(self.user_id, text)) == 200

    def taps(self, data: str) -> None:
        assert self.deliver(self.events.postback(self.user_id, data)) == 200

    def received(self) -> list[SentMessage]:
        return self.platform.sent_to(self.user_id)

    def last_text(self) -> str:
        return self.received()[-1].text or ""

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.received()]


def payloads(messages: list[SentMessage]) -> str:
    """Everything sent, as one string to search."""
    return json.dumps([m.message for m in messages], ensure_ascii=False)
