"""The city office's working hours, Japan's public holidays included: when staff next look."""

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

import jpholiday

JST = timezone(timedelta(hours=9), "JST")  # Japan keeps no daylight saving time
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A city office is never closed this long; the search stops rather than loop on a bad profile.
_LOOKAHEAD = 60


@dataclass(frozen=True)
class OfficeHours:
    """Weekdays open, opening and closing times (Japan time), and extra closed days (MM-DD)."""

    days: frozenset[int] = frozenset(range(5))  # Monday 0 ... Sunday 6
    opens: time = time(8, 30)
    closes: time = time(17, 15)
    closed: frozenset[str] = frozenset()  # "12-29": the year-end closure, say

    def working_day(self, day: date) -> bool:
        """Whether the office opens on this day: a listed weekday, no holiday, not closed."""
        return (
            day.weekday() in self.days
            and not jpholiday.is_holiday(day)
            and f"{day:%m-%d}" not in self.closed
        )

    def is_open(self, moment: datetime) -> bool:
        """Whether the office is open at this (timezone-aware) moment."""
        local = moment.astimezone(JST)
        return self.working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> date | None:
        """The day staff will next look at something received now; None while open."""
        if self.is_open(moment):
            return None
        local = moment.astimezone(JST)
        day = local.date()
        if not (self.working_day(day) and local.time() < self.opens):
            day += timedelta(days=1)
        for _ in range(_LOOKAHEAD):
            if self.working_day(day):
                return day
            day += timedelta(days=1)
        return None


def parse_office_hours(raw: dict[str, object]) -> OfficeHours:
    """Read a profile's ``[office_hours]`` table; a bad value raises ValueError naming it."""
    days = raw.get("days", list(DAYS[:5]))
    if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
        raise ValueError(f"office_hours.days must list days among {', '.join(DAYS)}")
    closed = raw.get("closed", [])
    if not isinstance(closed, list) or not all(_month_day(c) for c in closed):
        raise ValueError("office_hours.closed must list days as MM-DD")
    opens = _time(raw.get("open", "08:30"), "open")
    closes = _time(raw.get("close", "17:15"), "close")
    if opens >= closes:
        raise ValueError("office_hours.open must come before office_hours.close")
    return OfficeHours(frozenset(DAYS.index(d) for d in days), opens, closes, frozenset(closed))


def _time(value: object, name: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"office_hours.{name} must be a time such as 08:30") from None


def _month_day(value: object) -> bool:
    try:
        datetime.strptime(f"2024-{value}", "%Y-%m-%d")  # a leap year, so 02-29 is a day
    except (TypeError, ValueError):
        return False
    return True
