"""The transcript: the resident's steps, the bot's messages with their buttons, and notes."""

from __future__ import annotations

from typing import TextIO

from reporting.line.sandbox.fake.platform import PUSH
from reporting.line.sandbox.fake.platform import SentMessage
from reporting.line.sandbox.simulator.buttons import choices

_INDENT = " " * 6


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
