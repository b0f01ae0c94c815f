"""The public site's pages: the map at ``/``, report pages, the open data page, the language.

A city profile with ``[public] enabled = false`` answers 404 on every page here.
"""

from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import has_request_context
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from gis import maps
from reporting import glossary
from reporting import i18n
from reporting.db import db
from reporting.models import REPORT_STATUSES
from reporting.models import Report
from reporting.photos.store import PhotoNotFound
from reporting.public import queries
from reporting.public import web
from reporting.public.context import city
from reporting.public.context import language
from reporting.public.context import map_settings
from reporting.public.filters import MapFilters
from reporting.public.filters import parse_filters
from reporting.public.filters import parse_zoom
from reporting.public.web_reports import token_hash
from reporting.report_filters import JST

bp = Blueprint("public", __name__)
# A grid cell about the size of a marker with its margin, as on the staff map.
CELL_PIXELS = 80


@bp.before_request
def public_side_enabled() -> None:
    """The city profile may switch the whole public side off: then nothing here exists."""
    if not city().public.enabled:
        abort(404)


@bp.context_processor
def page_context() -> dict[str, Any]:
    """Give public templates the city, the language and its glossary words."""
    if not has_request_context():
        return {}
    lang = language()
    return {
        "city": city(),
        "language": lang,
        "status_word": lambda code: glossary.status_word(code, lang),
        "kind_word": lambda r: glossary.kind_label(city(), r.category, r.subcategory, lang),
        "here": request.full_path.rstrip("?"),
    }


@bp.app_template_filter("public_date")
def public_date(value: datetime | None) -> str:
    """A day as the public pages show it, in Tokyo: 2026/12/03."""
    return i18n.format_local(value, language(), "yyyy/MM/dd")


def error_page(error: HTTPException) -> ResponseReturnValue:
    """Explain a refused request in the public layout, in the page's language."""
    return render_template("public/error.html", error=error), error.code or 500


for code in (400, 404, 405, 409, 413, 429):
    bp.register_error_handler(code, error_page)
web.register(bp)


@bp.get("/language/<choice>")
def choose_language(choice: str) -> ResponseReturnValue:
    """Remember the language for this browser (Japanese or English) and go back."""
    session["lang"] = i18n.language(choice)
    target = request.args.get("next", "")
    # Only a path of this site: browsers read "/\\x" as "//x" and drop tabs and newlines.
    unsafe = "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
    if not target.startswith("/") or target.startswith("//") or unsafe:
        target = url_for("public.map_page")
    return redirect(target)


@bp.get("/")
def map_page() -> ResponseReturnValue:
    """The map of reports with filters, the newest beside it, and this month's figures."""
    filters = _filters()
    db_session = db.session()
    now = datetime.now(UTC)
    month_start = now.astimezone(JST).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    wards = queries.ward_names(db_session, city().service_area, language())
    return render_template(
        "public/map.html",
        filters=filters,
        counts=queries.counts(db_session, month_start),
        reports=queries.latest(db_session, filters.report_filter()),
        wards=wards,
        ward_names=wards,
        statuses=REPORT_STATUSES,
        categories=city().categories,
        settings=map_settings(filters),
    )


def _filters() -> MapFilters:
    try:
        return parse_filters(request.args, city())
    except ValueError:
        abort(400)


@bp.get("/map/reports.json")
def markers() -> ResponseReturnValue:
    """The visible reports of a box for the map, or counts per grid cell when too many."""
    try:
        filters = parse_filters(request.args, city(), extra=("bbox", "zoom"), need_bbox=True)
        zoom = parse_zoom(request.args.get("zoom"))
    except ValueError as problem:
        return jsonify(error=str(problem)), 400
    found = queries.markers(
        db.session(), filters.report_filter(), maps.degrees_across(CELL_PIXELS, zoom),
        current_app.config["PUBLIC_MARKER_LIMIT"],
    )
    response = jsonify(count=found.count, reports=found.reports, cells=found.cells)
    # A report staff hide leaves the map at once: no cache keeps it.
    response.cache_control.no_cache = True
    return response


@bp.get("/r/<receipt>")
def report_page(receipt: str) -> ResponseReturnValue:
    """One report as the public sees it: kind, ward, dates, its history, answer and photos."""
    report = queries.visible_report(db.session(), receipt)
    if report is None:
        abort(404)
    return render_template("public/report.html", **_report_view(report), private=False)


def _report_view(report: Report) -> dict[str, Any]:
    db_session = db.session()
    return {
        "report": report,
        "ward": queries.area_name(db_session, report.area_code, language()),
        "history": queries.public_history(db_session, report),
        "photos": queries.public_photos(db_session, report) if not report.hidden else [],
    }


@bp.get("/r/<receipt>/photos/<key>")
def photo(receipt: str, key: str) -> ResponseReturnValue:
    """Send a photo of a visible report that staff published; any other key is 404."""
    db_session = db.session()
    report = queries.visible_report(db_session, receipt)
    if report is None or queries.public_photo(db_session, report, key) is None:
        abort(404)
    try:
        file = current_app.extensions["tsuho.photos"].open(key)
    except PhotoNotFound:
        abort(404)
    response: Response = send_file(file, mimetype="image/jpeg", conditional=True)
    # Staff may unpublish it: every cache asks again (a 304 while it is still published).
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response


@bp.get("/report/status/<token>")
def status_page(token: str) -> ResponseReturnValue:
    """A web report's private status link: its status, history and the city's answer."""
    report = None
    if 20 <= len(token) <= 100:
        report = queries.by_status_token(db.session(), token_hash(token))
    if report is None:
        abort(404)
    response = Response(
        render_template("public/report.html", **_report_view(report), private=True)
    )
    # The link is the resident's key: kept out of shared caches and other sites' logs.
    response.cache_control.no_store = True
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@bp.get("/data")
def data_page() -> ResponseReturnValue:
    """What is published, under which licence, and where to take it from."""
    return render_template(
        "public/data.html",
        statuses=REPORT_STATUSES,
        exports_public=city().public_exports,
        has_page=lambda endpoint: endpoint in current_app.view_functions,
    )
