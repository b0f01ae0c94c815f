"""Report statistics for staff: counts by status, category, ward and month, time to resolve.

The chart of reports by month is an SVG drawn here, so the page needs no chart library.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import extract
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.db import db
from reporting.models import Report
from reporting.report_filters import TIME_ZONE_NAME
from reporting.staff import queries as staff_reports
from reporting.staff.reports import STATUS_LABELS

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Stats:
    """Counts of every report (hidden ones included) and the median days to resolve."""

    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_ward: dict[str, int]  # "" for reports outside every ward
    by_month: list[tuple[str, int]]
    median_days_to_resolve: float | None


def _counts(session: Session, column):  # noqa: ANN001, ANN202 - a SQL column, its counts
    return dict(session.execute(select(column, func.count()).group_by(column)).all())


def report_stats(session: Session) -> Stats:
    """Count reports several ways; months are Japan time, oldest first."""
    month = func.to_char(func.timezone(TIME_ZONE_NAME, Report.created_at), "YYYY-MM")
    by_month = session.execute(
        select(month, func.count()).group_by(month).order_by(month)
    ).all()
    days = extract("epoch", Report.resolved_at - Report.created_at) / SECONDS_PER_DAY
    median = session.scalar(
        select(func.percentile_cont(0.5).within_group(days)).where(
            Report.resolved_at.is_not(None)
        )
    )
    by_status = _counts(session, Report.status)
    return Stats(
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=_counts(session, Report.category),
        by_ward={code or "": n for code, n in _counts(session, Report.area_code).items()},
        by_month=[(m, n) for m, n in by_month],
        median_days_to_resolve=None if median is None else float(median),
    )


def bar_chart(bars: list[tuple[str, int]], title: str, width: int = 640, height: int = 240) -> str:
    """Draw labelled vertical bars as an SVG document fragment; labels are escaped."""
    top, bottom, left = 20, 40, 8
    peak = max((n for _, n in bars), default=0) or 1
    step = (width - 2 * left) / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, n) in enumerate(bars):
        h = (height - top - bottom) * n / peak
        x = left + i * step
        y = height - bottom - h
        parts += [
            f'<rect class="bar" x="{x + step * 0.1:.1f}" y="{y:.1f}" '
            f'width="{step * 0.8:.1f}" height="{h:.1f}"><title>{escape(label)}: {n}</title></rect>',
            f'<text x="{x + step / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{n}</text>',
            f'<text x="{x + step / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f"font-size=\"11\">{escape(label)}</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def register(bp: Blueprint) -> None:
    """Add the statistics page to the staff blueprint."""
    bp.add_url_rule("/stats", "stats", stats_page)


def stats_page() -> ResponseReturnValue:
    """Show the counts and the chart of reports by month."""
    stats = report_stats(db.session())
    city = current_app.extensions["tsuho.city"]
    codes = frozenset(code for code in stats.by_ward if code)
    chart = bar_chart(stats.by_month, _("Reports by month"))
    return render_template(
        "staff/stats.html",
        stats=stats,
        # Our own markup with every label escaped above: no user text reaches it.
        month_chart=Markup(chart),
        areas=staff_reports.area_names(db.session(), codes),
        categories={c.code: c for c in city.categories},
        status_labels=STATUS_LABELS,
    )
