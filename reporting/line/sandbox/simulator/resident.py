"""One simulated resident: sends each step as a signed webhook and waits for the bot's answers."""

from __future__ import annotations

import random
import re
import secrets
import time
from collections.abc import Sequence
from typing import Protocol

from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import EventJson
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.line.sandbox.fake.platform import SentMessage
from reporting.line.sandbox.simulator.buttons import Choice
from reporting.line.sandbox.simulator.buttons import choices
from reporting.line.sandbox.simulator.buttons import find_choice
from reporting.line.sandbox.simulator.script import Choose
from reporting.line.sandbox.simulator.script import Expect
from reporting.line.sandbox.simulator.script import Follow
from reporting.line.sandbox.simulator.script import Location
from reporting.line.sandbox.simulator.script import Photos
from reporting.line.sandbox.simulator.script import PhotoSpec
from reporting.line.sandbox.simulator.script import Profile
from reporting.line.sandbox.simulator.script import Say
from reporting.line.sandbox.simulator.script import Script
from reporting.line.sandbox.simulator.script import Step
from reporting.line.sandbox.simulator.script import StepFailed
from reporting.line.sandbox.simulator.script import Sticker
from reporting.line.sandbox.simulator.script import Tap
from reporting.line.sandbox.simulator.script import Unfollow
from reporting.line.sandbox.simulator.transcript import Transcript

DEMO_SECRET = "tsuho-demo-secret"
DEMO_TOKEN = "tsuho-demo-token"
BOT_USER_ID = "U" + "75a0" * 8  # the city's account, the destination of every webhook
# Receipt numbers as reporting.reports makes them: year and month, then a counter.
RECEIPT = re.compile(r"\b\d{4}-\d{5,}\b")


class NoReply(StepFailed):
    """Nothing came back from the bot in time."""


class Webhook(Protocol):
    """Where the simulator delivers LINE's webhook requests."""

    def post(self, body: bytes, signature: str) -> None: ...


def new_user_id() -> str:
    """A LINE user id as LINE writes them: U and 32 hex digits."""
    return "U" + secrets.token_hex(16)


class Simulator:
    """One resident chatting with the city's account, through a running server."""

    def __init__(
        self,
        platform: FakeLinePlatform,
        webhook: Webhook,
        transcript: Transcript,
        *,
        secret: str,
        user_id: str | None = None,
        timeout: float = 15.0,
        settle: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        self.platform = platform
        self.events = EventBuilder(platform)
        self.webhook = webhook
        self.transcript = transcript
        self.secret = secret
        self.user_id = user_id or new_user_id()
        self.timeout = timeout
        self.settle = settle
        self.rng = rng or random.Random()
        self.receipts: list[str] = []
        self.sent_events = 0
        self._shown = len(platform.sent_to(self.user_id))
        self._profiled = False

    def run_script(self, script: Script) -> None:
        """Play every step; the first failure stops the script, naming its line."""
        for step in script.steps:
            try:
                self.run(step)
            except StepFailed as exc:
                raise type(exc)(f"{script.name}:{step.line}: {exc}") from exc

    def run(self, step: Step) -> None:
        """Carry out one step and show what the bot said to it."""
        user = self.user_id
        match step:
            case Profile(language, name):
                if self.sent_events:
                    self.transcript.note("the bot reads the profile once, at the first event")
                self.platform.set_profile(user, name, language=language)
                self._profiled = True
                self.transcript.note(f"profile: {name}, language {language}")
            case Follow():
                self._send([self.events.follow(user)], "(follows the city's account)")
            case Unfollow():
                self._send([self.events.unfollow(user)], "(blocks the account)", replies=0)
            case Sticker():
                self._send([self.events.sticker(user)], "(sticker)")
            case Say(text):
                self._send([self.events.text(user, text)], text)
            case Tap(data):
                self._send([self.events.postback(user, data)], self._tap_label(data))
            case Choose(label):
                self._choose(label)
            case Photos(specs, as_set):
                self._photos(specs, as_set)
            case Location(lat, lon, address):
                said = f"(location {lat}, {lon}{' ' + address if address else ''})"
                event = self.events.location(user, lat, lon, address=address)
                self._send([event], said)
            case Expect(text):
                self._expect(text)

    def last_message(self) -> SentMessage | None:
        """The bot's latest message to this resident, which carries any quick replies."""
        sent = self.platform.sent_to(self.user_id)
        return sent[-1] if sent else None

    def _send(self, events: list[EventJson], said: str, replies: int = 1) -> None:
        if not self._profiled:
            self.platform.set_profile(self.user_id, "シミュレーター住民", language="ja")
            self._profiled = True
        self.show_new()
        self.transcript.resident(said)
        before = len(self.platform.sent_to(self.user_id))
        body = webhook_body(BOT_USER_ID, events)
        self.webhook.post(body, signature(body, self.secret))
        self.sent_events += len(events)
        self._await(before, replies)
        self.show_new()

    def _await(self, before: int, replies: int) -> None:
        """Wait for the replies, then a moment longer for any that follow them."""
        user = self.user_id
        if replies:
            try:
                self.platform.wait_for_messages(user, before + replies, self.timeout)
            except TimeoutError:
                raise NoReply(self._no_reply()) from None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            count = len(self.platform.sent_to(user)) + 1
            try:
                self.platform.wait_for_messages(user, count, self.settle)
            except TimeoutError:
                return

    def _no_reply(self) -> str:
        token = "tsuho-demo-token" if self.platform.channel_access_token == DEMO_TOKEN else "..."
        return (
            f"no reply within {self.timeout:g} s: is `flask --app app worker` running with "
            f"LINE_API_HOST={self.platform.url} and LINE_CHANNEL_ACCESS_TOKEN={token}?"
        )

    def show_new(self) -> None:
        """Print the bot's messages not shown yet (some arrive late, between steps)."""
        sent = self.platform.sent_to(self.user_id)
        for message in sent[self._shown :]:
            self.transcript.bot(message)
            for receipt in RECEIPT.findall(message.text or ""):
                if receipt not in self.receipts:
                    self.receipts.append(receipt)
        self._shown = len(sent)

    def _buttons(self) -> tuple[Choice, ...]:
        last = self.last_message()
        return choices(last) if last else ()

    def _tap_label(self, data: str) -> str:
        """Show a tap as LINE does, by its button's text, when the last message has one."""
        for button in self._buttons():
            if button.kind == "postback" and button.data == data:
                return f"[{button.text or button.label}]"
        return f"(postback {data})"

    def _choose(self, label: str) -> None:
        last = self.last_message()
        if last is None:
            raise StepFailed("nothing to choose from: the bot has not said anything yet")
        button = find_choice(choices(last), label)
        if button.kind == "postback" and button.data is not None:
            event = self.events.postback(self.user_id, button.data)
            self._send([event], f"[{button.text or button.label}]")
        elif button.kind == "message":
            text = button.text or button.label
            self._send([self.events.text(self.user_id, text)], text)
        else:
            self.transcript.note(_HINTS.get(button.kind, f"[{button.label}] opens {button.kind}"))

    def _photos(self, specs: Sequence[PhotoSpec], as_set: bool) -> None:
        if not as_set:
            for spec in specs:
                data, kind = spec.load()
                event = self.events.image(self.user_id, data, content_type=kind)
                self._send([event], f"(photo {spec.label})")
            return
        set_id, total = secrets.token_hex(32).upper(), len(specs)
        events = []
        for index, spec in enumerate(specs, start=1):
            data, kind = spec.load()
            image_set = (set_id, index, total)
            events.append(
                self.events.image(self.user_id, data, content_type=kind, image_set=image_set)
            )
        self.rng.shuffle(events)  # LINE delivers a set's images in no particular order
        labels = ", ".join(spec.label for spec in specs)
        self._send(events, f"({total} photos, picked together as one set: {labels})")

    def _expect(self, text: str) -> None:
        self.show_new()
        last = self.last_message()
        said = last.text if last is not None else None
        if said is None or text not in said:
            shown = "nothing" if last is None else repr((said or last.type)[:120])
            raise StepFailed(f"expected the bot's last message to contain {text!r}, got {shown}")
        self.transcript.note(f"ok: {text!r}")


_HINTS = {
    "location": "on a phone this opens the map; here send: location LAT LON [ADDRESS]",
    "camera": "on a phone this opens the camera; here send: photo demo:pothole (or a file)",
    "cameraRoll": "on a phone this opens the photos; here send: photos demo:crack demo:crack2",
}
