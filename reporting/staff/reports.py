"""The staff report list, a report's page and its photos."""

from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from gis import maps
from reporting import notifications
from reporting import reports
from reporting.db import db
from reporting.models import REPORT_STATUSES
from reporting.models import Report
from reporting.models import Resident
from reporting.photos.store import PhotoNotFound
from reporting.problems import BadParameter
from reporting.staff import actions as staff_actions
from reporting.staff import history
from reporting.staff import queries as staff_reports
from reporting.staff.export_links import export_links
from reporting.staff.listing import SORTS
from reporting.staff.listing import ListQuery
from reporting.staff.listing import parse_list_query
from reporting.staff.words import page_words
from reporting.triage import BULK_STATUSES

# Statuses the status form offers: a duplicate and a referral have forms of their own.
FORM_STATUSES = BULK_STATUSES


def register(bp: Blueprint) -> None:
    """Add the report pages to the staff blueprint."""
    bp.add_url_rule("/reports", "list", list_reports)
    bp.add_url_rule("/reports/<int:report_id>", "report", show_report)
    bp.add_url_rule("/photos/<key>", "photo", photo)
    bp.add_url_rule("/reports/<int:report_id>/notice.json", "notice", notice_preview)


def resident_label(resident_id: int | None, source: str = "line") -> str:
    """Name a resident to staff without their LINE user ID: 「通報者 #12」; or the channel."""
    if source == "open311":
        return "Open311"
    if source == "web":
        return _("Web form")
    if resident_id is None:
        return _("No reporter")
    return _("Reporter #%(number)s", number=resident_id)


def list_query() -> ListQuery:
    """Read the list's filters from the request; a filter that names nothing is a 400."""
    city = current_app.extensions["tsuho.city"]
    try:
        return parse_list_query(
            request.args, categories=[c.code for c in city.categories], wards=city.service_area
        )
    except BadParameter:
        abort(400)


def list_reports() -> ResponseReturnValue:
    """List reports, filtered, sorted and a page at a time, with counts per status."""
    query = list_query()
    page = staff_reports.report_page(db.session(), query)
    city = current_app.extensions["tsuho.city"]
    args = query.args()
    search = f"?{urlencode(args, doseq=True)}" if args else ""
    return render_template(
        "staff/reports.html",
        page=page,
        query=query,
        args=args,
        # Each row links to its report with the list's parameters: built once, not per row.
        report_link=f"{url_for('staff.list')}/{{}}{search}",
        export_links=export_links(args),
        areas=staff_reports.area_names(db.session(), city.service_area),
        statuses=REPORT_STATUSES,
        bulk_statuses=BULK_STATUSES,
        notify_by_default=sorted(notifications.NOTIFY_BY_DEFAULT),
        sorts=SORTS,
        priorities=staff_actions.PRIORITIES,
        today=datetime.now(UTC),
        resident_label=resident_label,
        categories={c.code: c for c in city.categories},
    )


def load_report(report_id: int) -> Report:
    """Return the report, or answer 404."""
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


def show_report(report_id: int) -> ResponseReturnValue:
    """Show one report: place, photos, what the resident wrote, history and the actions."""
    session = db.session()
    report = load_report(report_id)
    query = list_query()
    city = current_app.extensions["tsuho.city"]
    words = page_words()
    areas = staff_reports.area_names(session, [report.area_code or ""])
    resident = session.get(Resident, report.resident_id) if report.resident_id else None
    reachable = bool(notifications.residents_to_notify(session, city, report))
    previous, following = staff_reports.neighbours(session, query, report)
    lon, lat = staff_reports.coordinates(session, report)
    after = staff_reports.photos_of(session, report, "after_repair")
    return render_template(
        "staff/report.html",
        report=report,
        query=query,
        args=query.args(),
        previous=previous,
        following=following,
        area=areas.get(report.area_code or ""),
        lon=lon,
        lat=lat,
        photos=staff_reports.photos_of(session, report),
        after_photo=after[0] if after else None,
        history=history.entries(staff_reports.history_of(session, report), words),
        nearby=staff_reports.possible_duplicates(session, report, datetime.now(UTC)),
        supporters=reports.supporter_count(session, report.id),
        map_data=_map_data(report, lon, lat, staff_reports.open_nearby(session, report)),
        resident_blocked=resident is not None and resident.blocked,
        reachable=reachable,
        notice=_notice_data(report, resident.language if resident else "ja"),
        statuses=FORM_STATUSES,
        priorities=staff_actions.PRIORITIES,
        hide_reasons=staff_actions.HIDE_REASONS,
        resident_label=resident_label,
    )


def _map_data(report: Report, lon: float, lat: float, nearby: list[dict]) -> dict[str, Any]:
    """What static/js/report_map.js draws: the pin, the ward's outline, open reports nearby."""
    tiles = current_app.config.get("MAP_TILES_URL")
    attribution = current_app.config.get("MAP_TILES_ATTRIBUTION") or maps.GSI_ATTRIBUTION
    return {
        "lon": lon,
        "lat": lat,
        "status": report.status,
        "tiles": tiles or maps.GSI_TILES_URL,
        # Configuration and our own constant, never user text: Leaflet shows them as HTML.
        "attribution": f"{attribution} | {maps.N03_ATTRIBUTION}",
        "outline": (
            url_for("staff.area_outline", code=report.area_code) if report.area_code else None
        ),
        "nearby": [{**n, "url": url_for("staff.report", report_id=n["id"])} for n in nearby],
        "max_zoom": maps.MAX_ZOOM,
    }


def _notice_data(report: Report, language: str) -> dict[str, Any]:
    """The standard messages the status forms start from, in the resident's language."""
    standard = notifications.standard_message
    return {
        "statuses": {
            status: standard(report, status, language) or "" for status in FORM_STATUSES
        },
        "managers": {
            manager: standard(report, "referred", language, manager=manager) or ""
            for manager in staff_actions.ROAD_MANAGERS
        },
        "notify_by_default": sorted(notifications.NOTIFY_BY_DEFAULT),
    }


def notice_preview(report_id: int) -> ResponseReturnValue:
    """Give the standard message a duplicate of ``receipt`` would send, for the form's preview."""
    session = db.session()
    report = load_report(report_id)
    original = staff_reports.by_receipt(session, request.args.get("receipt", ""))
    resident = session.get(Resident, report.resident_id) if report.resident_id else None
    message = notifications.standard_message(
        report, "duplicate", resident.language if resident else "ja", original=original
    )
    return jsonify(message=message)


def photo(key: str) -> ResponseReturnValue:
    """Send a stored photo or thumbnail to a signed-in staff member, never to a shared cache."""
    try:
        file = current_app.extensions["tsuho.photos"].open(key)
    except PhotoNotFound:  # InvalidPhotoKey included: a bad key names no photo
        abort(404)
    response: Response = send_file(file, mimetype="image/jpeg", max_age=3600)
    response.cache_control.public = False
    response.cache_control.private = True
    return response
