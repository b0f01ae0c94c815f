"""Play a resident against a running Tsuho: signed webhooks in, the bot's replies as a transcript.

The simulator hosts the fake LINE Platform itself (reporting.line_fake), so the server and
the worker must be started with LINE_API_HOST pointing at it and the same channel secret and
access token. Each step of a script is one line:

    follow | unfollow | sticker
    profile LANG [DISPLAY NAME]        before the first event: the LINE profile's language
    say TEXT                           a text message
    tap DATA                           a postback, e.g. tap cat=road
    choose LABEL                       tap a quick-reply button of the bot's last message
    photo SPEC                         one image; SPEC is demo:NAME or a file path
    photos SPEC... [as-set]            several images; as-set sends them as one shuffled set
    location LAT LON [ADDRESS]         LINE's order: latitude first
    expect TEXT                        fail unless the bot's last message contains TEXT

A ``#`` at the start of a line or after a space begins a comment.
"""

from __future__ import annotations

import functools
import io
import math
import mimetypes
import random
import re
import secrets
import time
import unicodedata
import zlib
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Protocol
from typing import TextIO
from typing import TypeAlias

import requests
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFilter
from PIL import ImageOps

from reporting.line_fake import PUSH
from reporting.line_fake import FakeLinePlatform
from reporting.line_fake import SentMessage
from reporting.line_fake import serve
from reporting.line_fake_events import EventBuilder
from reporting.line_fake_events import EventJson
from reporting.line_fake_events import signature
from reporting.line_fake_events import webhook_body

DEFAULT_WEBHOOK = "http://127.0.0.1:5000/line/webhook"
DEFAULT_FAKE_HOST = "127.0.0.1"
DEFAULT_FAKE_PORT = 8787
DEMO_SECRET = "tsuho-demo-secret"
DEMO_TOKEN = "tsuho-demo-token"
BOT_USER_ID = "U" + "75a0" * 8  # the city's account, the destination of every webhook
# Receipt numbers as reporting.reports makes them: year and month, then a counter.
RECEIPT = re.compile(r"\b\d{4}-\d{5,}\b")
_COMMENT = re.compile(r"(^|\s)#.*$")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_INDENT = " " * 6


class ScriptError(ValueError):
    """A script line the simulator cannot read; nothing has been sent yet."""

    def __init__(self, where: str, line: int, message: str) -> None:
        super().__init__(f"{where}:{line}: {message}")
        self.line = line


class StepFailed(RuntimeError):
    """A step could not be carried out, or the bot did not answer as the script expects."""


class NoReply(StepFailed):
    """Nothing came back from the bot in time."""


# --- steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoSpec:
    """Where a photo's bytes come from: a generated demo picture or a file."""

    demo: str | None = None
    path: Path | None = None

    @property
    def label(self) -> str:
        return f"demo:{self.demo}" if self.demo else str(self.path)

    def load(self) -> tuple[bytes, str]:
        """Return the bytes and their content type."""
        if self.demo is not None:
            return demo_photo(self.demo), "image/jpeg"
        assert self.path is not None
        kind = mimetypes.guess_type(self.path.name)[0] or "image/jpeg"
        return self.path.read_bytes(), kind


@dataclass(frozen=True)
class Follow:
    line: int = 0


@dataclass(frozen=True)
class Unfollow:
    line: int = 0


@dataclass(frozen=True)
class Sticker:
    line: int = 0


@dataclass(frozen=True)
class Profile:
    language: str
    display_name: str
    line: int = 0


@dataclass(frozen=True)
class Say:
    text: str
    line: int = 0


@dataclass(frozen=True)
class Tap:
    data: str
    line: int = 0


@dataclass(frozen=True)
class Choose:
    label: str
    line: int = 0


@dataclass(frozen=True)
class Photos:
    specs: tuple[PhotoSpec, ...]
    as_set: bool = False
    line: int = 0


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    address: str = ""
    line: int = 0


@dataclass(frozen=True)
class Expect:
    text: str
    line: int = 0


Step: TypeAlias = (
    Follow | Unfollow | Sticker | Profile | Say | Tap | Choose | Photos | Location | Expect
)


@dataclass(frozen=True)
class Script:
    name: str
    steps: tuple[Step, ...]


# --- reading scripts ---------------------------------------------------------------------


def parse_script(text: str, base: Path, name: str = "<script>") -> Script:
    """Read a whole script, refusing it at its first bad line so nothing half-runs."""
    steps: list[Step] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        step = parse_line(raw, number, base, name)
        if step is None:
            continue
        if isinstance(step, Profile) and any(not isinstance(s, Profile) for s in steps):
            raise ScriptError(name, number, "profile must come before the first event")
        steps.append(step)
    return Script(name, tuple(steps))


def load_script(path: str, stdin: TextIO) -> Script:
    """Read a script file, or standard input for '-'; photo paths are relative to the file."""
    if path == "-":
        return parse_script(stdin.read(), Path.cwd(), "<stdin>")
    file = Path(path)
    return parse_script(file.read_text(encoding="utf-8"), file.parent, path)


def parse_line(raw: str, number: int, base: Path, where: str = "<input>") -> Step | None:
    """Read one line; None for a blank line or a comment."""
    text = _COMMENT.sub("", raw).strip()
    if not text:
        return None
    verb, _, rest = text.partition(" ")
    rest = rest.strip()
    reader = _READERS.get(verb.lower())
    if reader is None:
        raise ScriptError(where, number, f"unknown directive {verb!r} (to send text: say {text})")
    try:
        return reader(rest, number, base)
    except ValueError as exc:
        raise ScriptError(where, number, f"{verb}: {exc}") from None


def _no_arguments(kind: Callable[[int], Step]) -> Callable[[str, int, Path], Step]:
    def read(rest: str, number: int, base: Path) -> Step:
        if rest:
            raise ValueError("takes no arguments")
        return kind(number)

    return read


def _needs(rest: str, what: str) -> str:
    if not rest:
        raise ValueError(f"needs {what}")
    return rest


def _read_profile(rest: str, number: int, base: Path) -> Step:
    language, _, name = _needs(rest, "a language, e.g. profile en").partition(" ")
    if not _LANGUAGE.fullmatch(language):
        raise ValueError(f"{language!r} is not a language tag such as ja or en")
    name = name.strip() or ("シミュレーター住民" if language == "ja" else "Simulated resident")
    return Profile(language, name, number)


def _read_photo(rest: str, number: int, base: Path) -> Step:
    words = _needs(rest, "a photo: demo:NAME or a file").split()
    if len(words) != 1:
        raise ValueError("takes one photo; use photos for several")
    return Photos((photo_spec(words[0], base),), False, number)


def _read_photos(rest: str, number: int, base: Path) -> Step:
    words = _needs(rest, "photos: demo:NAME or files").split()
    as_set = words[-1] == "as-set"
    specs = tuple(photo_spec(word, base) for word in (words[:-1] if as_set else words))
    if as_set and len(specs) < 2:
        raise ValueError("an image set needs at least 2 photos")
    if not specs:
        raise ValueError("needs photos: demo:NAME or files")
    return Photos(specs, as_set, number)


def _read_location(rest: str, number: int, base: Path) -> Step:
    words = _needs(rest, "LAT LON [ADDRESS]").split(maxsplit=2)
    if len(words) < 2:
        raise ValueError("needs LAT LON [ADDRESS]")
    try:
        lat, lon = float(words[0]), float(words[1])
    except ValueError:
        raise ValueError(f"{words[0]!r} {words[1]!r}: LAT and LON must be numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise ValueError(f"({lat}, {lon}) is off the globe; LINE's order is LAT LON")
    return Location(lat, lon, words[2] if len(words) > 2 else "", number)


_READERS: dict[str, Callable[[str, int, Path], Step]] = {
    "follow": _no_arguments(Follow),
    "unfollow": _no_arguments(Unfollow),
    "sticker": _no_arguments(Sticker),
    "profile": _read_profile,
    "say": lambda rest, n, base: Say(_needs(rest, "the text to send"), n),
    "tap": lambda rest, n, base: Tap(_needs(rest, "postback data, e.g. tap cat=road"), n),
    "choose": lambda rest, n, base: Choose(_needs(rest, "a button label"), n),
    "photo": _read_photo,
    "photos": _read_photos,
    "location": _read_location,
    "expect": lambda rest, n, base: Expect(_needs(rest, "the text to look for"), n),
}


def photo_spec(word: str, base: Path) -> PhotoSpec:
    """Check a photo's source now, so a script fails before it begins rather than midway."""
    if word.startswith("demo:"):
        name = word.removeprefix("demo:")
        if not _demo_subject(name):
            raise ValueError(f"no demo photo {name!r}; try one of {', '.join(DEMO_SUBJECTS)}")
        return PhotoSpec(demo=name)
    path = Path(word).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return PhotoSpec(path=path)


# --- quick replies -----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One quick-reply button as the resident sees it."""

    label: str
    kind: str  # LINE's action type: postback, message, location, camera, cameraRoll...
    data: str | None = None
    text: str | None = None


def choices(message: SentMessage) -> tuple[Choice, ...]:
    """The quick-reply buttons under a message the bot sent."""
    items = (message.message.get("quickReply") or {}).get("items") or []
    found = []
    for item in items:
        action: dict[str, Any] = item.get("action") or {}
        found.append(
            Choice(
                label=str(action.get("label", "")),
                kind=str(action.get("type", "")),
                data=action.get("data"),
                text=action.get("text") or action.get("displayText"),
            )
        )
    return tuple(found)


def find_choice(buttons: Sequence[Choice], label: str) -> Choice:
    """The button with this label (exactly, then ignoring width and case), or its 1-based number."""
    for same in (lambda a, b: a == b, lambda a, b: _fold(a) == _fold(b)):
        for button in buttons:
            if same(button.label, label):
                return button
    if label.isdigit() and 1 <= int(label) <= len(buttons):
        return buttons[int(label) - 1]
    shown = " ".join(f"[{b.label}]" for b in buttons) or "none"
    raise StepFailed(f"no button {label!r} on the bot's last message; its buttons: {shown}")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# --- talking to the server ---------------------------------------------------------------


class Webhook(Protocol):
    """Where the simulator delivers LINE's webhook requests."""

    def post(self, body: bytes, signature: str) -> None: ...


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


# --- the transcript ----------------------------------------------------------------------


class Transcript:
    """The chat as a resident sees it, written as it happens."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def heading(self, text: str) -> None:
        self._write(f"── {text} ──")

    def resident(self, text: str) -> None:
        self._lines("you > ", text)

    def bot(self, message: SentMessage) -> None:
        self._lines("bot < ", message.text or f"({message.type} message)")
        buttons = choices(message)
        if buttons:
            self._write(_INDENT + " ".join(f"[{b.label}]" for b in buttons))
        if message.channel == PUSH:
            self._write(_INDENT + "(pushed: the reply token was not used)")

    def note(self, text: str) -> None:
        self._lines("  ·   ", text)

    def _lines(self, prefix: str, text: str) -> None:
        first, *rest = text.split("\n")
        self._write(prefix + first)
        for line in rest:
            self._write((_INDENT + line).rstrip())

    def _write(self, line: str) -> None:
        print(line, file=self.out, flush=True)


# --- the resident ------------------------------------------------------------------------


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


# --- interactive -------------------------------------------------------------------------

HELP = """\
Type what the resident does, one step a line:
  follow | unfollow | sticker
  profile LANG [NAME]            LINE profile language (before the first event), e.g. profile en
  say TEXT                       send text, e.g. say 通報
  tap DATA                       send a postback, e.g. tap cat=road
  choose LABEL                   tap a button under the bot's last message (or its number)
  photo SPEC                     SPEC: demo:NAME or a file; demo names: {demo}
  photos SPEC... [as-set]        several photos, as-set: one image set, shuffled
  location LAT LON [ADDRESS]     e.g. location 34.6661 133.9186 岡山市北区駅元町
  expect TEXT                    check the bot's last message
  help | quit"""


def interact(simulator: Simulator, read: Callable[[str], str] = input) -> None:
    """A REPL over the script directives, with readline's line editing when it is there."""
    try:
        import readline  # noqa: F401 - importing it gives input() history and editing
    except ImportError:
        pass
    transcript = simulator.transcript
    transcript.note(f"resident {simulator.user_id}; type help for the commands")
    number = 0
    while True:
        simulator.show_new()
        try:
            raw = read("> ")
        except (EOFError, KeyboardInterrupt):
            transcript.note("bye")
            return
        number += 1
        command = raw.strip().lower()
        if command in ("quit", "exit"):
            return
        if command in ("help", "?"):
            transcript.note(HELP.format(demo=", ".join(DEMO_SUBJECTS)))
            continue
        try:
            step = parse_line(raw, number, Path.cwd(), "input")
            if step is not None:
                simulator.run(step)
        except (ScriptError, StepFailed, OSError) as exc:
            transcript.note(f"error: {exc}")


# --- a whole session, as the CLI runs it -------------------------------------------------


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


# --- demo photos -------------------------------------------------------------------------

SIZE = (960, 720)


def _demo_subject(name: str) -> str | None:
    """pothole2 is a second, different pothole; the name picks the painter and the seed."""
    subject = name.rstrip("0123456789")
    return subject if subject in _PAINTERS else None


@functools.lru_cache(maxsize=32)
def demo_photo(name: str) -> bytes:
    """A realistic-looking JPEG of damage, the same bytes for the same name on every run."""
    subject = _demo_subject(name)
    if subject is None:
        raise ValueError(f"no demo photo {name!r}")
    image = _PAINTERS[subject](random.Random(zlib.crc32(name.encode())))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _noise(rng: random.Random, size: tuple[int, int], blur: float, scale: int = 1) -> Image.Image:
    """Grey noise stretched to full range: fine grain at scale 1, blotches when larger."""
    small = (max(size[0] // scale, 1), max(size[1] // scale, 1))
    image = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
    if scale > 1:
        image = image.resize(size, Image.Resampling.BICUBIC)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return ImageOps.autocontrast(image, cutoff=1)


def _surface(
    rng: random.Random, dark: tuple[int, int, int], light: tuple[int, int, int]
) -> Image.Image:
    """Asphalt, gravel or grass: grain over blotches, tinted between two colours."""
    grain = _noise(rng, SIZE, 0.8)
    blotches = _noise(rng, SIZE, 6, scale=24)
    grey = Image.blend(grain, blotches, 0.3)
    return ImageOps.colorize(grey, black=dark, white=light)


def _asphalt(rng: random.Random) -> Image.Image:
    image = _surface(rng, (52, 52, 54), (132, 130, 124))
    shade = Image.linear_gradient("L").resize(SIZE).point(lambda v: v // 4)
    # Nearer the camera (lower in the picture) is darker, as in a photo taken standing up.
    return Image.composite(Image.new("RGB", SIZE, (30, 30, 32)), image, shade)


def _blob(
    rng: random.Random, cx: float, cy: float, rx: float, ry: float
) -> list[tuple[float, float]]:
    """A ragged ellipse, as broken asphalt edges are."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points = []
    for i in range(72):
        angle = 2 * math.pi * i / 72
        wobble = sum(math.sin(k * angle + p) for k, p in zip((2, 3, 5), phases, strict=True))
        r = 1 + 0.07 * wobble + rng.uniform(-0.04, 0.04)
        points.append((cx + rx * r * math.cos(angle), cy + ry * r * math.sin(angle)))
    return points


def _pothole(rng: random.Random) -> Image.Image:
    image = _asphalt(rng)
    w, h = SIZE
    cx, cy = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.5, 0.65)
    rx, ry = w * rng.uniform(0.16, 0.26), h * rng.uniform(0.1, 0.16)
    mask = Image.new("L", SIZE)
    ImageDraw.Draw(mask).polygon(_blob(rng, cx, cy, rx, ry), fill=255)
    hole = _surface(rng, (12, 11, 10), (70, 64, 56))
    image.paste(hole, mask=mask.filter(ImageFilter.GaussianBlur(3)))
    water = Image.new("L", SIZE)
    ImageDraw.Draw(water).polygon(_blob(rng, cx, cy + ry * 0.2, rx * 0.6, ry * 0.45), fill=150)
    image.paste((96, 108, 124), mask=water.filter(ImageFilter.GaussianBlur(6)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(8, 16)):  # loose chunks around the rim
        angle = rng.uniform(0, 2 * math.pi)
        x, y = cx + rx * 1.2 * math.cos(angle), cy + ry * 1.25 * math.sin(angle)
        size = rng.uniform(4, 14)
        grey = rng.randint(60, 120)
        draw.polygon(_blob(rng, x, y, size, size * 0.7), fill=(grey, grey, grey - 4))
    return image


def _crack_line(
    draw: ImageDraw.ImageDraw, rng: random.Random, start: tuple[float, float], angle: float,
    steps: int, width: int,
) -> list[tuple[float, float]]:
    x, y = start
    points = [(x, y)]
    heading = angle
    for _ in range(steps):
        # Wander, but keep the general heading, as a crack across a lane does.
        angle = heading + 0.8 * (angle - heading) + rng.uniform(-0.5, 0.5)
        x, y = x + 14 * math.cos(angle), y + 14 * math.sin(angle)
        points.append((x, y))
    draw.line([(px + 1, py + 1) for px, py in points], fill=(95, 94, 90), width=width)
    draw.line(points, fill=(18, 18, 18), width=width)
    return points


def _crack(rng: random.Random) -> Image.Image:
    image = _asphalt(rng)
    draw = ImageDraw.Draw(image)
    w, h = SIZE
    start = (0.0, h * rng.uniform(0.3, 0.7))
    heading = math.atan2(h / 2 - start[1], w) + rng.uniform(-0.15, 0.15)  # across the frame
    main = _crack_line(draw, rng, start, heading, 75, 5)
    for _ in range(rng.randint(3, 6)):
        fork = main[rng.randrange(len(main))]
        _crack_line(draw, rng, fork, rng.uniform(0, 2 * math.pi), rng.randint(6, 20), 3)
    return image


def _bench(rng: random.Random) -> Image.Image:
    w, h = SIZE
    image = _surface(rng, (30, 60, 25), (120, 160, 80))  # lawn and trees behind
    gravel = _surface(rng, (120, 110, 95), (215, 205, 185))
    image.paste(gravel.crop((0, int(h * 0.62), w, h)), (0, int(h * 0.62)))
    draw = ImageDraw.Draw(image)
    left, right, seat = w * 0.14, w * 0.86, h * 0.55
    for x in (left + 30, right - 50):  # legs
        draw.rectangle((x, seat, x + 20, h * 0.8), fill=(48, 48, 52))
    broken = rng.randrange(4)
    for i in range(4):  # three back slats and the seat
        top = h * 0.28 + i * h * 0.075
        wood = (rng.randint(120, 140), rng.randint(78, 90), rng.randint(40, 52))
        if i != broken:
            draw.rectangle((left, top, right, top + h * 0.05), fill=wood)
            continue
        split = rng.uniform(0.35, 0.6) * (right - left) + left
        draw.rectangle((left, top, split, top + h * 0.05), fill=wood)
        sag = h * rng.uniform(0.08, 0.14)  # the broken half hangs down
        draw.polygon([(split + 8, top), (right, top + sag), (right, top + sag + h * 0.05),
                      (split + 8, top + h * 0.05)], fill=(wood[0] - 25, wood[1] - 20, wood[2] - 10))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def _streetlight(rng: random.Random) -> Image.Image:
    w, h = SIZE
    sky = ImageOps.colorize(Image.linear_gradient("L").resize(SIZE), (22, 30, 66), (205, 120, 72))
    image = sky.copy()
    road = _surface(rng, (14, 14, 16), (60, 58, 56))
    image.paste(road.crop((0, int(h * 0.72), w, h)), (0, int(h * 0.72)))
    glow = Image.new("L", SIZE)
    glows = ImageDraw.Draw(glow)
    draw = ImageDraw.Draw(image)
    for i in range(rng.randint(3, 5)):  # the neighbours' lamps, lit, further down the road
        x, y = w * (0.55 + 0.09 * i), h * (0.52 + 0.03 * i)
        draw.line((x, y, x, h * 0.74), fill=(20, 20, 24), width=3)
        glows.ellipse((x - 18, y - 18, x + 18, y + 18), fill=255)
    image.paste((255, 214, 140), mask=glow.filter(ImageFilter.GaussianBlur(10)))
    pole = w * rng.uniform(0.22, 0.32)
    draw.rectangle((pole, h * 0.12, pole + 16, h * 0.9), fill=(58, 60, 64))
    draw.line((pole + 8, h * 0.13, pole + 150, h * 0.16), fill=(58, 60, 64), width=10)
    draw.ellipse((pole + 120, h * 0.14, pole + 200, h * 0.19), fill=(40, 40, 44))  # dark
    return image


def _guardrail(rng: random.Random) -> Image.Image:
    w, h = SIZE
    image = _surface(rng, (35, 70, 30), (140, 170, 90))
    road = _asphalt(rng)
    image.paste(road.crop((0, int(h * 0.6), w, h)), (0, int(h * 0.6)))
    draw = ImageDraw.Draw(image)
    dent_at, depth = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.06, 0.12)

    def rail(x: float) -> float:
        return h * 0.42 + depth * math.exp(-(((x - dent_at) / (w * 0.08)) ** 2))

    for x in range(40, w, 150):  # posts
        draw.rectangle((x, rail(x), x + 14, h * 0.66), fill=(150, 150, 150))
    for x in range(0, w, 4):
        top = rail(x)
        shade = 230 if abs(x - dent_at) > w * 0.1 else 180
        draw.rectangle((x, top, x + 4, top + h * 0.07), fill=(shade, shade, shade - 8))
        draw.line((x, top + h * 0.035, x + 4, top + h * 0.035), fill=(150, 150, 150), width=2)
    return image


_PAINTERS: dict[str, Callable[[random.Random], Image.Image]] = {
    "pothole": _pothole,
    "crack": _crack,
    "bench": _bench,
    "streetlight": _streetlight,
    "guardrail": _guardrail,
}
DEMO_SUBJECTS = tuple(_PAINTERS)
