"""The stats page for a period: counts, overdue reports, answer times, charts and CSV files.

The chart of reports by month is an SVG drawn here and styled by static/css/staff.css, so the
page needs no chart library and no script.
"""

import csv
import io
from collections.abc import Iterable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from reporting import glossary
from reporting.db import db
from reporting.models import REPORT_STATUSES
from reporting.problems import BadParameter
from reporting.report_filters import JST
from reporting.report_filters import parse_moment
from reporting.staff import queries as staff_reports
from reporting.staff.figures import Figures
from reporting.staff.figures import Period
from reporting.staff.figures import figures
from reporting.staff.words import Words
from reporting.staff.words import page_words

TABLES = ("status", "kind", "ward", "month", "times")
# Cells a spreadsheet would read as a formula are written with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def register(bp: Blueprint) -> None:
    """Add the statistics page and its CSV files to the staff blueprint."""
    bp.add_url_rule("/stats", "stats", stats_page)
    bp.add_url_rule("/stats/<table>.csv", "stats_csv", stats_csv)


def _period() -> tuple[Period, dict[str, str]]:
    """Read ``from`` and ``to`` (dates, Japan time); a bad date is a 400."""
    start, end = request.args.get("from", "").strip(), request.args.get("to", "").strip()
    try:
        period = Period(
            parse_moment("from", start, end=False) if start else None,
            parse_moment("to", end, end=True) if end else None,
        )
    except BadParameter:
        abort(400)
    if period.start and period.end and period.start > period.end:
        abort(400)
    return period, {k: v for k, v in (("from", start), ("to", end)) if v}


def presets(today: date) -> list[tuple[str, dict[str, str]]]:
    """Periods offered in one click: this month, the last 30 days, this fiscal year, all."""
    fiscal = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    return [
        (_("This month"), {"from": today.replace(day=1).isoformat()}),
        (_("Last 30 days"), {"from": (today - timedelta(days=29)).isoformat()}),
        (_("This fiscal year"), {"from": fiscal.isoformat()}),
        (_("All time"), {}),
    ]


def _figures(period: Period) -> Figures:
    city = current_app.extensions["tsuho.city"]
    return figures(db.session(), period, overdue_days=city.overdue_days, now=datetime.now(UTC))


def stats_page() -> ResponseReturnValue:
    """Show the period's counts, overdue reports, answer times and the chart by month."""
    period, args = _period()
    found = _figures(period)
    city = current_app.extensions["tsuho.city"]
    words = page_words()
    return render_template(
        "staff/stats.html",
        stats=found,
        args=args,
        presets=presets(datetime.now(JST).date()),
        # Our own markup with every label escaped: no user text reaches it.
        month_chart=Markup(bar_chart(found.by_month, _("Reports by month"))),
        areas=staff_reports.area_names(db.session(), city.service_area),
        statuses=REPORT_STATUSES,
        kinds=_kind_rows(found, words),
        peak_kind=max(found.by_kind.values(), default=0),
    )


def _kind_rows(found: Figures, words: Words) -> list[tuple[str, str, int]]:
    """(category, subcategory, count), most reports first."""
    rows = [
        (words.category(category), _sub(words, category, sub), n)
        for (category, sub), n in found.by_kind.items()
    ]
    return sorted(rows, key=lambda row: (-row[2], row[0], row[1]))


def _sub(words: Words, category: str, subcategory: str) -> str:
    if not subcategory:
        return _("(none)")
    return glossary.subcategory_word(words.city, category, subcategory, words.language)


def _ward_name(words: Words, areas: dict[str, Any], code: str) -> str:
    area = areas.get(code)
    if area is None:
        return code or _("Outside the wards")
    return str(area.name_en if words.language == "en" else area.name_ja)


def _rows(table: str, found: Figures, words: Words) -> Iterable[list[Any]]:
    """The header and rows of one of the page's tables, for its CSV file."""
    if table == "status":
        yield [_("Status"), _("Number of reports")]
        yield from ([words.status(s), found.by_status.get(s, 0)] for s in REPORT_STATUSES)
    elif table == "kind":
        yield [_("Category"), _("Subcategory"), _("Number of reports")]
        yield from ([c, s, n] for c, s, n in _kind_rows(found, words))
    elif table == "ward":
        city = current_app.extensions["tsuho.city"]
        areas = staff_reports.area_names(db.session(), city.service_area)
        yield [_("Ward"), *words.statuses.values(), _("Total"), _("Overdue")]
        for code, counts in sorted(found.by_ward.items()):
            yield [_ward_name(words, areas, code), *(counts.get(s, 0) for s in REPORT_STATUSES),
                   sum(counts.values()), found.overdue_by_ward.get(code, 0)]  # fmt: skip
    elif table == "month":
        yield [_("Month"), _("Number of reports")]
        yield from ([month, n] for month, n in found.by_month)
    else:
        yield [_("Measure"), _("Median (days)"), _("90th percentile (days)"),
               _("Number of reports")]  # fmt: skip
        for name, days in ((_("Days to acknowledge"), found.to_acknowledge),
                           (_("Days to resolve"), found.to_resolve)):  # fmt: skip
            yield [name, _round(days.median), _round(days.p90), days.reports]


def _round(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _cell(value: Any) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def stats_csv(table: str) -> ResponseReturnValue:
    """Send one of the page's tables as CSV for Excel: UTF-8 with a BOM, CRLF line ends."""
    if table not in TABLES:
        abort(404)
    period, args = _period()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in _rows(table, _figures(period), page_words()):
        writer.writerow([_cell(value) for value in row])
    name = "-".join(["tsuho-stats", table, *args.values()])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def bar_chart(bars: list[tuple[str, int]], title: str, width: int = 720, height: int = 260) -> str:
    """Draw labelled vertical bars as an SVG that scales to its box; labels are escaped.

    With many bars, every few are labelled, so labels never overlap.
    """
    top, bottom, left = 24, 40, 8
    peak = max((n for _, n in bars), default=0) or 1
    step = (width - 2 * left) / max(len(bars), 1)
    every = max(1, -(-len(bars) // 12))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{left}" x2="{width - left}" y1="{height - bottom}" '
        f'y2="{height - bottom}"/>',
    ]
    bar = min(step * 0.7, 48)
    for i, (label, n) in enumerate(bars):
        h = (height - top - bottom) * n / peak
        x = left + i * step
        y = height - bottom - h
        parts.append(
            f'<rect class="bar" x="{x + (step - bar) / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}"><title>{escape(label)}: {n}</title></rect>'
        )
        if i % every == 0:
            middle = x + step / 2
            parts += [
                f'<text class="value" x="{middle:.1f}" y="{y - 6:.1f}">{n}</text>',
                f'<text class="label" x="{middle:.1f}" y="{height - bottom + 18}">'
                f"{escape(label)}</text>",
            ]
    parts.append("</svg>")
    return "".join(parts)
