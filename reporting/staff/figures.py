"""The numbers on the stats page: counts of a period's reports and how fast the city answered.

Hidden reports (taken down under the posting rules) are counted apart and nowhere else. The
counts come from one pass over the period's reports (PostgreSQL grouping sets), the times from
a second.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import ARRAY
from sqlalchemy import ColumnElement
from sqlalchemy import Float
from sqlalchemy import case
from sqlalchemy import extract
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy import type_coerce
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from reporting import glossary
from reporting.db import TIME_ZONE_NAME
from reporting.models import Report

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Period:
    """Reports received from ``start`` until ``end``, both included; None leaves a side open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Days:
    """How many days something took: median and 90th percentile, over how many reports."""

    median: float | None
    p90: float | None
    reports: int


@dataclass
class Figures:
    """Every count and time the stats page shows."""

    overdue_days: int
    total: int = 0
    hidden: int = 0
    overdue: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    # (category, subcategory or "") -> count
    by_kind: dict[tuple[str, str], int] = field(default_factory=dict)
    # ward code ("" outside every ward) -> status -> count
    by_ward: dict[str, dict[str, int]] = field(default_factory=dict)
    overdue_by_ward: dict[str, int] = field(default_factory=dict)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    to_acknowledge: Days = Days(None, None, 0)
    to_resolve: Days = Days(None, None, 0)


def _in(period: Period) -> list[ColumnElement[bool]]:
    found = []
    if period.start:
        found.append(Report.created_at >= period.start)
    if period.end:
        found.append(Report.created_at <= period.end)
    return found


def figures(session: Session, period: Period, *, overdue_days: int, now: datetime) -> Figures:
    """Count the period's reports by status, kind, ward and month, and time the answers."""
    result = Figures(overdue_days=overdue_days)
    month = func.to_char(func.timezone(TIME_ZONE_NAME, Report.created_at), "YYYY-MM")
    ward = func.coalesce(Report.area_code, "")
    kind = func.coalesce(Report.subcategory, "")
    late = Report.status.in_(glossary.OPEN_STATUSES) & (
        Report.created_at < now - timedelta(days=overdue_days)
    )
    # Every set is split by the hidden flag; GROUPING() tells the sets apart (a 1 bit for
    # each of ward, status, category, kind and month left out of the set).
    sets = func.grouping_sets(
        tuple_(Report.hidden, ward, Report.status),
        tuple_(Report.hidden, Report.category, kind),
        tuple_(Report.hidden, month),
    )
    rows = session.execute(
        select(
            func.grouping(ward, Report.status, Report.category, kind, month),
            Report.hidden, ward, Report.status, Report.category, kind, month,
            func.count(), func.count().filter(late),
        )  # fmt: skip
        .where(*_in(period))
        .group_by(sets)
        .order_by(month)
    ).all()
    for row in rows:
        _add(result, row)
    result.to_acknowledge, result.to_resolve = _times(session, period)
    return result


BY_WARD, BY_KIND, BY_MONTH = 0b00111, 0b11001, 0b11110


def _add(result: Figures, row: Any) -> None:
    grouping, hidden, ward, status, category, kind, month, count, late = row
    if hidden:
        if grouping == BY_WARD:
            result.hidden += count
        return
    if grouping == BY_WARD:
        result.by_ward.setdefault(ward, {})[status] = count
        result.by_status[status] = result.by_status.get(status, 0) + count
        result.total += count
        result.overdue_by_ward[ward] = result.overdue_by_ward.get(ward, 0) + late
        result.overdue += late
    elif grouping == BY_KIND:
        result.by_kind[(category, kind)] = count
    elif grouping == BY_MONTH:
        result.by_month.append((month, count))


def _days(since: Any, until: Any) -> Any:
    return extract("epoch", until - since) / SECONDS_PER_DAY


def _times(session: Session, period: Period) -> tuple[Days, Days]:
    """Days from receipt to the first answer, and to a resolution, of the shown reports."""
    acknowledged = _days(Report.created_at, Report.acknowledged_at)
    resolved = case(
        (Report.status == "resolved", _days(Report.created_at, Report.resolved_at))
    )
    def quantiles(days: Any) -> Any:
        found = func.percentile_cont(array([0.5, 0.9])).within_group(days)
        return type_coerce(found, ARRAY(Float))

    row = session.execute(
        select(
            quantiles(acknowledged),
            func.count(Report.acknowledged_at),
            quantiles(resolved),
            func.count(resolved),
        ).where(~Report.hidden, *_in(period))
    ).one()
    return _quantiles(row[0], row[1]), _quantiles(row[2], row[3])


def _quantiles(values: list[float] | None, reports: int) -> Days:
    if not values or values[0] is None:
        return Days(None, None, reports)
    return Days(float(values[0]), float(values[1]), reports)
