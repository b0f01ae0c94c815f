"""The simulator's script language: one step a line, read whole before anything is sent.

    follow | unfollow | sticker
    profile LANG [DISPLAY NAME]        before the first event: the LINE profile's language
    say TEXT                           a text message
    tap DATA                           a postback, e.g. tap kind=road.pothole
    choose LABEL                       tap a quick-reply button of the bot's last message
    photo SPEC                         one image; SPEC is demo:NAME or a file path
    photos SPEC... [as-set]            several images; as-set sends them as one shuffled set
    location LAT LON [ADDRESS]         LINE's order: latitude first
    expect TEXT                        fail unless the bot's last message contains TEXT

A ``#`` at the start of a line or after a space begins a comment.
"""

from __future__ import annotations

import math
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from typing import TypeAlias

from reporting.line.sandbox.simulator.demo_photos import DEMO_SUBJECTS
from reporting.line.sandbox.simulator.demo_photos import demo_photo
from reporting.line.sandbox.simulator.demo_photos import demo_subject

_COMMENT = re.compile(r"(^|\s)#.*$")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


class ScriptError(ValueError):
    """A script line the simulator cannot read; nothing has been sent yet."""

    def __init__(self, where: str, line: int, message: str) -> None:
        super().__init__(f"{where}:{line}: {message}")
        self.line = line


class StepFailed(RuntimeError):
    """A step could not be carried out, or the bot did not answer as the script expects."""


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
    "tap": lambda rest, n, base: Tap(_needs(rest, "postback data, e.g. tap kind=road.pothole"), n),
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
        if not demo_subject(name):
            raise ValueError(f"no demo photo {name!r}; try one of {', '.join(DEMO_SUBJECTS)}")
        return PhotoSpec(demo=name)
    path = Path(word).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return PhotoSpec(path=path)
