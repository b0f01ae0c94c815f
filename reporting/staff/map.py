"""The staff map: the page (Folium, no reports embedded), report counts and popups for its script.

The page's script (static/js/staff_map.js) asks ``count.json`` how many reports the visible box
holds, then fetches them from ``/api/reports.geojson`` for that box when there are not too many
(no more than the ``MAP_MARKER_LIMIT`` setting). When there are, ``count.json`` also gives
their counts per grid cell, which the page draws instead, so a city-wide view of 100,000
reports shows where they are without fetching them.
"""

from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select

from gis import maps
from gis.outlines import outlines
from reporting.db import db
from reporting.models import REPORT_STATUSES
from reporting.problems import BadParameter
from reporting.report_filters import ReportFilter
from reporting.report_filters import parse_report_filter
from reporting.report_queries import Visibility
from reporting.report_queries import cell_counts
from reporting.report_queries import report_rows
from reporting.staff import queries as staff_reports
from reporting.staff.export_links import export_links
from reporting.staff.listing import statuses as list_statuses
from reporting.staff.reports import load_report
from reporting.staff.words import page_words
from reporting.web import inputs

# The side of a grid cell on screen, about the size of a marker cluster's icon and its margin.
CELL_PIXELS = 80
STATUS_COLOURS = {
    "new": "#dc2626",
    "acknowledged": "#ea580c",
    "in_progress": "#ca8a04",
    "resolved": "#16a34a",
    "rejected": "#6b7280",
    "duplicate": "#9ca3af",
    "referred": "#7c3aed",
}
FILTERS = ("category", "ward")
# Area outlines change when a city reloads its boundaries, not between two reports.
OUTLINE_MAX_AGE = 86_400


def register(bp: Blueprint) -> None:
    """Add the map page and its JSON endpoints to the staff blueprint."""
    bp.add_url_rule("/", "map", map_page)
    bp.add_url_rule("/map/count.json", "map_count", count)
    bp.add_url_rule("/reports/<int:report_id>/popup.json", "report_popup", popup)
    bp.add_url_rule("/areas/<code>/outline.json", "area_outline", area_outline)


def api_args() -> dict[str, str]:
    """The page's filters as /api/reports.geojson parameters (from/to become ``datetime``).

    Several statuses become one comma-separated value, ``open`` its three statuses.
    """
    args = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    chosen = [value for value in request.args.getlist("status") if value]
    if chosen:
        try:
            expanded, _given = list_statuses(chosen)
        except BadParameter:
            expanded = tuple(chosen)  # refused as a bad status by the filter, as before
        args["status"] = ",".join(expanded)
    start, end = request.args.get("from", ""), request.args.get("to", "")
    if start or end:
        args["datetime"] = f"{start or '..'}/{end or '..'}"
    return args


def _filter(args: dict[str, str]) -> ReportFilter:
    city = current_app.extensions["tsuho.city"]
    return parse_report_filter(
        {name: [value] for name, value in args.items()},
        categories=[c.code for c in city.categories],
        wards=city.service_area,
    )


def _setting(name: str) -> str | None:
    value = current_app.config.get(name)
    return str(value) if value else None


def map_page() -> ResponseReturnValue:
    """Show the map; a receipt number goes straight to its report."""
    receipt = request.args.get("receipt", "").strip()
    if receipt:
        found = staff_reports.by_receipt(db.session(), receipt)
        if found is not None:
            return redirect(url_for("staff.report", report_id=found.id))
        flash(_("No report has that receipt number."), "error")
    filters = api_args()
    try:
        _filter(filters)
    except BadParameter:
        flash(_("A filter was not understood and is ignored."), "error")
        filters = {}
    city = current_app.extensions["tsuho.city"]
    static_url = url_for("static", filename="")
    tiles = maps.Tiles(
        _setting("MAP_TILES_URL") or maps.GSI_TILES_URL,
        _setting("MAP_TILES_ATTRIBUTION") or maps.GSI_ATTRIBUTION,
    )
    shapes = outlines(db.session(), city.service_area)
    parts = maps.split(maps.area_map(city.map_center, shapes, tiles=tiles, static_url=static_url))
    areas = staff_reports.area_names(db.session(), city.service_area)
    return render_template(
        "staff/map.html",
        map=parts,
        settings=_settings(parts, filters, maps.outline_bounds(shapes)),
        args={**request.args.to_dict(), "status": request.args.getlist("status")},
        export_links=export_links(
            {**request.args.to_dict(), "status": request.args.getlist("status")}
        ),
        areas=areas,
        statuses=REPORT_STATUSES,
        categories={c.code: c for c in city.categories},
    )


def _settings(
    parts: maps.MapParts, filters: dict[str, str], bounds: tuple[float, ...] | None
) -> dict[str, Any]:
    return {
        "map": parts.name,
        "cluster": parts.cluster,
        "filters": filters,
        # [[south, west], [north, east]]: the first view shows the whole service area.
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]] if bounds else None,
        "geojson": url_for("analyst_api.reports_geojson"),
        "count": url_for("staff.map_count"),
        "popup": url_for("staff.report_popup", report_id=0),
        "colours": STATUS_COLOURS,
        "text": {
            "loading": _("Loading reports…"),
            "shown": _("%(count)s reports in view"),
            "zoom_in": _("%(count)s reports in view: zoom in or filter to show them."),
            "failed": _("The reports could not be loaded."),
            "open": _("Open the report"),
            "cluster": _("%(count)s reports here: zoom in to see them"),
        },
    }


def count() -> ResponseReturnValue:
    """Say how many reports the box and filters match, for the map to decide whether to fetch.

    The answer holds the limit above which the page does not fetch them. Given the map's
    ``zoom``, it also holds, when there are more, their counts and mean points per grid cell
    of about CELL_PIXELS on screen.
    """
    args = api_args()
    if request.args.get("bbox"):
        args["bbox"] = request.args["bbox"]
    try:
        report_filter = _filter(args)
        zoom = _zoom(request.args.get("zoom"))
    except BadParameter as problem:
        return jsonify(error=str(problem)), 400
    limit = current_app.config["MAP_MARKER_LIMIT"]
    rows = report_rows(report_filter, Visibility(notes=False))
    if zoom is None:
        found = db.session.scalar(select(func.count()).select_from(rows.subquery()))
        return jsonify(count=found, limit=limit)
    size = maps.degrees_across(CELL_PIXELS, zoom)
    cells = db.session.execute(cell_counts(rows, size)).all()
    found = sum(cell.reports for cell in cells)
    answer: dict[str, Any] = {"count": found, "limit": limit}
    if found > limit:
        answer["cells"] = [[round(c.lon, 6), round(c.lat, 6), c.reports] for c in cells]
    return jsonify(answer)


def _zoom(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return inputs.whole_number(text, maximum=maps.MAX_ZOOM)
    except inputs.InvalidInput as exc:
        raise BadParameter("zoom", str(exc)) from None


def popup(report_id: int) -> ResponseReturnValue:
    """Give a marker's popup its facts; the script shows them as text, never as markup."""
    report = load_report(report_id)
    words = page_words()
    photos = staff_reports.photos_of(db.session(), report)
    age = datetime.now(UTC) - report.created_at
    return jsonify(
        receipt_number=report.receipt_number,
        category=words.kind(report.category, report.subcategory),
        status=words.status(report.status),
        status_code=report.status,
        age=_("%(age)s ago", age=format_timedelta(age, granularity="minute")),
        note=(report.note or "")[:200],
        thumbnail=url_for("staff.photo", key=photos[0].thumbnail_key) if photos else None,
        url=url_for("staff.report", report_id=report.id),
    )


def area_outline(code: str) -> ResponseReturnValue:
    """Give a report's map the outline of its area, which the browser may keep for a day."""
    found = outlines(db.session(), [code])
    if not found["features"]:
        abort(404)
    response = jsonify(found)
    response.cache_control.private = True
    response.cache_control.max_age = OUTLINE_MAX_AGE
    return response
