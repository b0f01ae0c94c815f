"""The analysts' exports: every visible report as GeoJSON or CSV, filtered, streamed.

``GET /api/reports.geojson`` and ``GET /api/reports.csv`` take ``bbox``, ``datetime``,
``status``, ``category`` and ``ward`` (see report_filters), ``lang`` (``ja`` or ``en``, the
labels' language) and ``crs`` (``EPSG:6673``...: the CSV gains ``x``/``y`` columns, the
GeoJSON is written in it); any other parameter is refused.
"""

from flask import Blueprint
from flask import Response
from flask.typing import ResponseReturnValue

from gis import geojson
from gis.crs import Crs
from reporting.analysts import exports
from reporting.analysts.feature_collections import chosen_crs
from reporting.db import db
from reporting.report_filters import FILTER_PARAMETERS
from reporting.report_filters import check_known
from reporting.report_filters import parse_report_filter
from reporting.report_queries import Rows
from reporting.report_queries import analyst_rows
from reporting.web.limits import export_slot
from reporting.web.routing import external_url
from reporting.web_api import allow_cross_origin
from reporting.web_api import city
from reporting.web_api import handle_problems
from reporting.web_api import query_args
from reporting.web_api import viewer

bp = Blueprint("analyst_api", __name__, url_prefix="/api")
handle_problems(bp)
allow_cross_origin(bp)


def _rows() -> tuple[Rows, Crs]:
    who = viewer()
    args = query_args()
    check_known(args, (*FILTER_PARAMETERS, "lang", "crs"))
    profile = city()
    report_filter = parse_report_filter(
        args, categories=[c.code for c in profile.categories], wards=profile.service_area
    )
    crs = chosen_crs(args, profile)
    words = exports.labels(profile, exports.language(args))
    staff_url = external_url("staff.report", report_id=0).removesuffix("0")
    return analyst_rows(report_filter, who.visibility, words, staff_url), crs


@bp.get("/reports.geojson")
@export_slot
def reports_geojson() -> ResponseReturnValue:
    """Stream the reports as an RFC 7946 FeatureCollection (or in the CRS asked for)."""
    rows, crs = _rows()
    body = exports.geojson_stream(db.engine, rows, name="reports", crs=crs)
    headers = {**_download("reports.geojson"), "Content-Crs": f"<{crs.uri}>"}
    return Response(body, mimetype=geojson.MEDIA_TYPE, headers=headers)


@bp.get("/reports.csv")
@export_slot
def reports_csv() -> ResponseReturnValue:
    """Stream the reports as CSV for spreadsheets: UTF-8 with a BOM, RFC 4180 quoting."""
    rows, crs = _rows()
    body = exports.csv_stream(db.engine, rows, crs)
    return Response(body, mimetype="text/csv", headers=_download("reports.csv"))


def _download(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
