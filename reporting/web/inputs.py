"""Reading client input so that no value a client sends can reach the database as an error.

PostgreSQL refuses NUL characters in text, integers past its column types and dates outside
its range; Python's ``date`` stops at year 9999 and ``str.isdigit`` accepts ``²``. Each of
those became a 500 or a 503. Every channel reads numbers, dates and text through here, and a
value these functions refuse is the client's mistake (a 400), never a server error.
"""

import re
from collections.abc import Iterable
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

# Japan keeps no daylight saving time; a moment without an offset is read as Japan time.
JST = timezone(timedelta(hours=9), "JST")

# Column types' ranges, so a parsed number is one PostgreSQL can compare without overflowing.
INT4_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
# Dates a city's reports can have: wide enough for any real query, narrow enough that a day
# more or less (a whole day's end, a 90-day window) stays inside Python's and PostgreSQL's range.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999

_DIGITS = re.compile(r"[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339 (section 5.6): date "T" time, fraction optional, "Z" or an offset; "t", "z" and a
# space for "T" are allowed by its note. An offset may be left out here (Japan time).
_MOMENT = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]"
    r"(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)
# C0 controls and DEL, except tab, line feed and carriage return, which forms may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(ValueError):
    """A client's value that cannot be used; the message says what is expected."""


def whole_number(text: str, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int:
    """Read ASCII digits as an int from ``minimum`` to ``maximum`` (at most bigint's range)."""
    text = text.strip()
    if not _DIGITS.fullmatch(text) or not minimum <= int(text) <= maximum:
        raise InvalidInput(f"must be a whole number from {minimum} to {maximum}")
    return int(text)


def row_id(text: str) -> int | None:
    """Read a database id (a positive bigint), or None when ``text`` cannot be one."""
    try:
        return whole_number(text, minimum=1)
    except InvalidInput:
        return None


def has_control(text: str) -> bool:
    """Say whether ``text`` holds a NUL or another control character no form field needs."""
    return _CONTROL.search(text) is not None


def clean_text(text: str) -> str:
    """Return ``text``, or refuse it when it holds control characters (NUL above all)."""
    if has_control(text):
        raise InvalidInput("must not contain control characters")
    return text


def any_control(values: Iterable[str]) -> bool:
    """Say whether any of the values holds a control character."""
    return any(has_control(value) for value in values)


def calendar_date(text: str) -> date:
    """Read ``YYYY-MM-DD`` within the years the service answers for."""
    if not _DATE.fullmatch(text):
        raise InvalidInput(f"{text!r} is not a date (2026-11-23)")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date on the calendar") from None
    _check_year(day.year, text)
    return day


def moment(text: str, *, end: bool = False) -> datetime:
    """Read an RFC 3339 date-time, or a date meaning its whole day (``end``: its last instant).

    A date-time without an offset is Japan time. Years outside EARLIEST_YEAR..LATEST_YEAR are
    refused, so arithmetic on the result and PostgreSQL's timestamptz never overflow.
    """
    if _DATE.fullmatch(text):
        day = datetime.combine(calendar_date(text), time(), JST)
        return day + timedelta(days=1, microseconds=-1) if end else day
    found = _MOMENT.fullmatch(text)
    if found is None:
        raise InvalidInput(
            f"{text!r} is not an RFC 3339 date-time (2026-11-23T09:00:00+09:00) "
            "or a date (2026-11-23)"
        )
    offset = found["offset"] or ""
    normal = f"{found['date']}T{found['time']}{'+00:00' if offset in ('Z', 'z') else offset}"
    try:
        parsed = datetime.fromisoformat(normal)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date-time on the calendar") from None
    _check_year(parsed.year, text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=JST)


def _check_year(year: int, text: str) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InvalidInput(f"{text!r} is outside {EARLIEST_YEAR}–{LATEST_YEAR}")
