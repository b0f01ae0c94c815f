"""OGC API - Features at /ogc, as QGIS and GDAL read it (JSON and GeoJSON only).

The landing page, conformance classes and API definition are open; collections and their
features need what the exports need (a token, or a city in public mode).
"""

import json
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import url_for
from flask.typing import ResponseReturnValue

from gis import geojson
from gis import ogc_features
from gis import ogc_openapi
from reporting.analysts import feature_collections as ogc_collections
from reporting.db import db
from reporting.report_filters import check_known
from reporting.report_queries import prepare_transaction
from reporting.web_api import city
from reporting.web_api import handle_problems
from reporting.web_api import query_args
from reporting.web_api import viewer

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
handle_problems(bp)

# Set by each page's links themselves; every other parameter is carried along.
PAGING = ("limit", "offset")


def _base() -> str:
    """The API's address in its links: under TSUHO_PUBLIC_URL when set, never from the Host
    header; unset (local use), from the request, which TSUHO_TRUSTED_HOSTS can restrict."""
    public = current_app.config.get("PUBLIC_URL")
    path = url_for("ogc.landing").rstrip("/")
    if public:
        return str(public).rstrip("/") + path
    return url_for("ogc.landing", _external=True).rstrip("/")


def _json(document: Any, mimetype: str = ogc_features.JSON) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), mimetype=mimetype)


def _title() -> str:
    return f"Tsuho 通報: {city().name_en} ({city().name_ja})"


@bp.get("/", strict_slashes=False)
def landing() -> ResponseReturnValue:
    """Link to the API definition, the conformance classes and the collections."""
    ogc_collections.check_format(query_args())
    description = "Road and park damage reported by residents, and the wards that hold them."
    return _json(ogc_features.landing_page(_base(), _title(), description))


@bp.get("/conformance")
def conformance() -> ResponseReturnValue:
    ogc_collections.check_format(query_args())
    return _json(ogc_features.conformance())


@bp.get("/api")
def api() -> ResponseReturnValue:
    """The OpenAPI 3.0 definition (collections described without their extents)."""
    ogc_collections.check_format(query_args())
    infos = ogc_collections.describe(city())
    document = ogc_openapi.openapi(_base(), _title(), "OGC API - Features", infos)
    return _json(document, ogc_features.OPENAPI)


@bp.get("/collections")
def collections() -> ResponseReturnValue:
    ogc_collections.check_format(query_args())
    infos = _described()
    return _json(ogc_features.collections(_base(), infos))


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> ResponseReturnValue:
    ogc_collections.check_format(query_args())
    info = ogc_collections.find(_described(), collection_id)
    return _json(ogc_features.collection(_base(), info))


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> ResponseReturnValue:
    """A page of features, with numberMatched and next/prev links as GDAL and QGIS expect."""
    who = viewer()
    args = query_args()
    prepare_transaction(db.session())
    page = ogc_collections.items_page(db.session(), collection_id, args, city(), who.visibility)
    url = f"{_base()}/collections/{collection_id}"
    body = ogc_features.items_document(
        f"{url}/items",
        {name: ",".join(values) for name, values in args.items() if name not in PAGING},
        page.features,
        offset=page.offset,
        limit=page.limit,
        matched=page.matched,
        collection_url=url,
        now=datetime.now(UTC),
    )
    return Response(body, mimetype=geojson.MEDIA_TYPE)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> ResponseReturnValue:
    """One feature, or 404."""
    who = viewer()
    args = query_args()
    check_known(args, ("f",))
    ogc_collections.check_format(args)
    prepare_transaction(db.session())
    text = ogc_collections.feature(db.session(), collection_id, feature_id, who.visibility)
    url = f"{_base()}/collections/{collection_id}"
    document = json.loads(text)
    document["links"] = ogc_features.feature_links(f"{url}/items/{quote(feature_id)}", url)
    return _json(document, geojson.MEDIA_TYPE)


def _described() -> list[ogc_features.Collection]:
    who = viewer()
    prepare_transaction(db.session())
    extents = ogc_collections.extents(db.session(), who.visibility)
    return ogc_collections.describe(city(), extents)
