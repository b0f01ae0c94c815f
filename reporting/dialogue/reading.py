"""Reading what the resident sent: postback data, typed commands, and free text kept as data.

Pure text functions: what a step makes of the words is the step's own business.
"""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from reporting.dialogue import texts as catalogue
from reporting.dialogue.values import MAX_DATA

_CONTROL = frozenset({"Cc", "Cs"})
COMMAND_LENGTH = 40  # longer text is never a command, so it is not normalised


@dataclass(frozen=True)
class Intent:
    key: str
    value: str
    extra: Mapping[str, str] = field(default_factory=dict)


def norm(text: str) -> str:
    """Fold width, case and spacing so 「ＲＥＰＯＲＴ 」 matches report."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


WORDS = {key: frozenset(norm(w) for w in words) for key, words in catalogue.WORDS.items()}
GLOBAL_WORDS = (
    ("report", Intent("action", "report")),
    ("cancel", Intent("action", "cancel")),
    ("status", Intent("action", "status")),
    ("help", Intent("action", "help")),
    ("emergency", Intent("action", "emergency")),
    ("urgent", Intent("urgent", "yes")),
    ("lang_en", Intent("lang", "en")),
    ("lang_ja", Intent("lang", "ja")),
)


def parse_postback(data: str) -> Intent | None:
    """Read ``key=value&key=value``; anything else is no intent, never an error."""
    if not isinstance(data, str) or not 0 < len(data) <= MAX_DATA:
        return None
    pairs = [part.partition("=") for part in data.split("&")]
    if any(not key or not sep for key, sep, _ in pairs):
        return None
    (key, _, value), rest = pairs[0], pairs[1:]
    return Intent(key, value, {k: v for k, _, v in rest})


def word(typed: str, table: Mapping[str, Intent]) -> Intent | None:
    """Return the intent of the first word list (by catalogue key) holding the typed text."""
    return next((i for key, i in table.items() if typed in WORDS[key]), None)


def clean(text: str) -> str:
    """Keep a resident's text as data: drop control characters and stray surrogates only."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) not in _CONTROL)
    return "".join(kept).strip()


def excerpt(text: str, length: int) -> str:
    """Shorten text to at most ``length`` characters, ending in "…" when it is cut.

    The cut falls after a space or punctuation in the last fifth when there is one, and never
    parts a character from the marks, modifiers or joiners that belong to it.
    """
    if len(text) <= length:
        return text
    end = length - 1
    while end > 0 and _joined(text, end):
        end -= 1
    for i in range(end, max(end - length // 5, 0), -1):
        if text[i - 1] in _BREAKS:
            end = i
            break
    return text[:end].rstrip() + "…"


_BREAKS = frozenset(" \n\t\u3000、。，．,.!?！？)）」』")  # a cut may come after these
_MARKS = frozenset({"Mn", "Mc", "Me"})


def _joined(text: str, i: int) -> bool:
    """Whether ``text[i]`` belongs to the character before it (a cut there would part them)."""
    c, before = text[i], text[i - 1]
    modifier = "\U0001f3fb" <= c <= "\U0001f3ff"  # emoji skin tones
    return unicodedata.category(c) in _MARKS or modifier or "\u200d" in (c, before)
