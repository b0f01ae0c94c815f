"""The quick-reply buttons under the bot's messages, as a resident reads and taps them."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reporting.line.sandbox.fake.platform import SentMessage
from reporting.line.sandbox.simulator.script import StepFailed


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
