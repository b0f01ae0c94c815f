"""The staff UI's languages and clock: Japanese first, English by choice, times in Tokyo."""

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
TOKYO = ZoneInfo("Asia/Tokyo")
# Year first with 24-hour time reads naturally in Japanese and unambiguously in English.
DATETIME_PATTERN = "yyyy/MM/dd HH:mm"
# Patterns of numbers only read the same in every language: formatted without Babel, which
# parses the pattern again on every call (a list of 50 reports spent 20 ms there).
NUMERIC_PATTERNS = {
    "yyyy/MM/dd HH:mm": "%Y/%m/%d %H:%M",
    "yyyy/MM/dd": "%Y/%m/%d",
    "MM/dd HH:mm": "%m/%d %H:%M",
}


def language(choice: str | None) -> str:
    """Return the language to show: the one chosen when we offer it, else Japanese."""
    return choice if choice in LANGUAGES else DEFAULT_LANGUAGE


def format_local(value: datetime | None, language: str, pattern: str = DATETIME_PATTERN) -> str:
    """Format a moment as Tokyo time (naive values are taken as UTC); None becomes ''."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    numeric = NUMERIC_PATTERNS.get(pattern)
    if numeric is not None:
        return value.astimezone(TOKYO).strftime(numeric)
    return format_datetime(value, pattern, tzinfo=TOKYO, locale=language)
