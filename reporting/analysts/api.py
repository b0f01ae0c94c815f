"""The analysts' exports: every visible report as GeoJSON or CSV, filtered, streamed.

``GET /api/reports.geojson`` and ``GET /api/reports.csv`` take ``bbox``, ``datetime``,
``status``, ``category`` and ``ward`` (see report_filters); any other parameter is refused.
"""

from flask import Blueprint
from flask import Response
from flask.typing import ResponseReturnValue

from gis import geojson
from reporting.analysts import exports
from reporting.db import db
from reporting.report_filters import FILTER_PARAMETERS
from reporting.report_filters import check_known
from reporting.report_filters import parse_report_filter
from reporting.report_queries import Rows
from reporting.report_queries import report_rows
from reporting.web_api import allow_cross_origin
from reporting.web_api import city
from reporting.web_api import handle_problems
from reporting.web_api import query_args
from reporting.web_api import viewer

bp = Blueprint("analyst_api", __name__, url_prefix="/api")
handle_problems(bp)
allow_cross_origin(bp)


def _rows() -> Rows:
    who = viewer()
    args = query_args()
    check_known(args, FILTER_PARAMETERS)
    profile = city()
    report_filter = parse_report_filter(
        args, categories=[c.code for c in profile.categories], wards=profile.service_area
    )
    return report_rows(report_filter, who.visibility)


@bp.get("/reports.geojson")
def reports_geojson() -> ResponseReturnValue:
    """Stream the reports as an RFC 7946 FeatureCollection."""
    body = exports.geojson_stream(db.engine, _rows(), name="reports")
    return Response(body, mimetype=geojson.MEDIA_TYPE, headers=_download("reports.geojson"))


@bp.get("/reports.csv")
def reports_csv() -> ResponseReturnValue:
    """Stream the reports as CSV for spreadsheets: UTF-8 with a BOM, RFC 4180 quoting."""
    body = exports.csv_stream(db.engine, _rows())
    return Response(body, mimetype="text/csv", headers=_download("reports.csv"))


def _download(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
