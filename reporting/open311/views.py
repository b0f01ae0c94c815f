"""Open311 GeoReport v2 at /open311/v2: the city's services, its requests, and filing one.

``services``, ``requests`` and ``requests/{id}`` answer in JSON or XML, as the path's
extension says. Requests are read as the public sees them (open311_queries), by anyone, as
GeoReport v2 intends; a city whose profile sets ``open311_requires_key`` asks for an Open311
key as ``api_key`` (or an analyst's token, or a staff session). GETs ignore parameters they
do not know (clients send the common extensions: ``extensions``, ``attribute[...]``), and
take ``page``/``page_size``, ``lat``/``long``/``radius`` and ``lang`` (``en``: English
names). ``POST requests`` files a report with an Open311 key (open311_intake).
``/open311/discovery.json`` (or ``.xml``) is the Service Discovery document. Errors are the
spec's list of ``{code, description}``; every credential problem is a 403, as the spec asks.
"""

import logging
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from http import HTTPStatus
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from reporting import access
from reporting.db import db
from reporting.open311 import discovery as open311_discovery
from reporting.open311 import format as open311_format
from reporting.open311 import intake as open311_intake
from reporting.open311 import queries as open311_queries
from reporting.open311 import services as open311_services
from reporting.photos.cleaning import PhotoLimits
from reporting.problems import BadParameter
from reporting.problems import BadRequest
from reporting.problems import NotFound
from reporting.problems import Problem
from reporting.problems import Unauthorized
from reporting.report_filters import Args
from reporting.report_filters import single
from reporting.web.routing import external_url
from reporting.web_api import allow_cross_origin
from reporting.web_api import city
from reporting.web_api import handle_problems
from reporting.web_api import query_args
from reporting.web_api import viewer

log = logging.getLogger(__name__)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
discovery_bp = Blueprint("open311_discovery", __name__, url_prefix="/open311")

# The largest photo the cleaner takes, and room for the form around it.
MAX_BODY = PhotoLimits().max_bytes + 1024 * 1024
REQUESTS = ("service_requests", "request")


@bp.get("/services.<fmt>")
def services(fmt: str) -> ResponseReturnValue:
    """The city's categories, one service per subcategory; open to all, a key is not looked at."""
    args = _args(fmt)
    lang = open311_services.language(single(args, "lang"))
    found = open311_services.services(city())
    records = [open311_format.service_record(s, lang) for s in found]
    return _render(records, fmt, "services", "service")


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str) -> ResponseReturnValue:
    """No service asks for extra fields (metadata is false), so none has a definition."""
    _args(fmt)
    raise NotFound(f"service_code {code!r} has no definition: no service has metadata")


@bp.get("/requests.<fmt>")
def requests(fmt: str) -> ResponseReturnValue:
    """The public reports of the last 90 days (or as filtered), newest first, a page at a time."""
    args = _args(fmt)
    _reader(args)
    query = open311_queries.parse_query(args, city(), datetime.now(UTC))
    rows = open311_queries.find_requests(db.session(), query)
    lang = open311_services.language(single(args, "lang"))
    records = [open311_format.request_record(r, city(), lang) for r in rows]
    return _render(records, fmt, *REQUESTS)


@bp.get("/requests/<request_id>.<fmt>")
def service_request(request_id: str, fmt: str) -> ResponseReturnValue:
    """One public report by its receipt number, as a list of one; 404 when unknown or hidden."""
    args = _args(fmt)
    _reader(args)
    row = open311_queries.find_request(db.session(), request_id)
    lang = open311_services.language(single(args, "lang"))
    return _render([open311_format.request_record(row, city(), lang)], fmt, *REQUESTS)


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> ResponseReturnValue:
    """File a report for the app holding the Open311 key; answer its receipt number."""
    _format(fmt)
    fields, media = _posted()
    store = current_app.extensions["tsuho.photos"]
    now = datetime.now(UTC)
    report = open311_intake.submit(db.session(), city(), fields, media, store=store, now=now)
    db.session.commit()
    log.info("open311: report %s filed", report.receipt_number)
    notice = open311_intake.service_notice(city())
    return _render([open311_format.created_record(report.receipt_number, notice)], fmt, *REQUESTS)


def _format(fmt: str) -> None:
    if fmt not in open311_format.FORMATS:
        raise NotFound(f"no format {fmt!r}: ask for .json or .xml")


def _args(fmt: str) -> Args:
    """Return the query's parameters, the jurisdiction checked.

    An empty parameter counts as absent, as the spec says of optional ones. Parameters a GET
    does not know are ignored: clients add extensions of their own, which must not break them.
    """
    _format(fmt)
    args = query_args()
    kept = {name: [v for v in values if v.strip()] for name, values in args.items()}
    args = {name: values for name, values in kept.items() if values}
    open311_services.check_jurisdiction(args, city())
    return args


def _reader(args: Args) -> None:
    """Let anyone read (the documents are the public view), unless the city asks for a key.

    Then an Open311 key as ``api_key``, an analyst's token or a staff session is needed.
    """
    if not city().open311_requires_key:
        return
    api_key = single(args, "api_key")
    if api_key:
        access.open311_client(db.session(), api_key, datetime.now(UTC))
        db.session.commit()
    else:
        viewer()


@discovery_bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> ResponseReturnValue:
    """Open311 Service Discovery: where the GeoReport v2 endpoint is, and its formats."""
    _format(fmt)
    endpoint = external_url("open311.services", fmt="json").rsplit("/", 1)[0]
    document = open311_discovery.document(city(), endpoint + "/")
    body = open311_discovery.render(document, fmt)
    return Response(body, content_type=open311_format.FORMATS[fmt])


def _posted() -> tuple[Args, bytes | None]:
    """Return the posted fields (a form, as the spec sends, or JSON) and the photo, if any."""
    request.max_content_length = MAX_BODY
    fields = {name: list(values) for name, values in query_args().items()}
    if request.is_json:
        for name, values in _json_fields(request.get_json(silent=True)).items():
            fields[name] = fields.get(name, []) + values
        return fields, None
    for name in request.form:
        fields[name] = fields.get(name, []) + request.form.getlist(name)
    for name in request.files:
        if name != "media":
            raise BadParameter(name, "unknown file; send the photo as media")
    files = [f for f in request.files.getlist("media") if f.filename]
    if len(files) > 1:
        raise BadParameter("media", "send one photo")
    return fields, files[0].read() if files else None


def _json_fields(body: Any) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a form, or a JSON object of the spec's fields")
    fields = {}
    for name, value in body.items():
        if value is None:
            continue  # the spec's optional fields: null is the same as absent
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise BadParameter(name, "must be a string or a number")
        fields[name] = [str(value)]
    return fields


def _render(
    records: Sequence[open311_format.Record], fmt: str, root: str, item: str, status: int = 200
) -> Response:
    body = open311_format.render(records, fmt, root, item)
    return Response(body, status=status, content_type=open311_format.FORMATS[fmt])


def _error(status: int, description: str) -> Response:
    """Answer an error in the format the path asked for (JSON when it named none we serve)."""
    fmt = (request.view_args or {}).get("fmt")
    fmt = fmt if fmt in open311_format.FORMATS else "json"
    record = open311_format.error_record(status, description)
    return _render([record], fmt, "errors", "error", status)


def _problem(problem: Problem) -> Response:
    db.session.rollback()
    if isinstance(problem, Unauthorized):
        return _error(HTTPStatus.FORBIDDEN, f"{problem.detail}; or send an Open311 key as api_key")
    return _error(int(problem.status), problem.detail)


handle_problems(bp, _problem)
handle_problems(discovery_bp, _problem)
allow_cross_origin(bp)
allow_cross_origin(discovery_bp)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    """Errors Werkzeug raises while reading the body: too large, a malformed form."""
    status = error.code or HTTPStatus.BAD_REQUEST
    return _error(status, f"{HTTPStatus(status).phrase}: {error.description or ''}")
