"""OGC API - Features at /ogc, as QGIS and GDAL read it: JSON, GeoJSON, and HTML to browse.

The landing page, conformance classes and API definition are open; collections and their
features need what the exports need (a token, Bearer or as the Basic password, or a city in
public mode). Features come in the CRS ``crs`` asks for (Part 2), named by ``Content-Crs``.
Every page is HTML when ``f=html`` or the client prefers it (a browser). Metadata pages carry
an ETag and may be revalidated (304).
"""

import json
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue

from gis import crs as crs_
from gis import geojson
from gis import maps
from gis import ogc_features
from gis import ogc_openapi
from reporting.analysts import exports
from reporting.analysts import feature_collections as ogc_collections
from reporting.db import db
from reporting.db import without_transaction
from reporting.extensions import compressed_blueprint
from reporting.report_filters import check_known
from reporting.report_filters import single
from reporting.web.routing import external_url
from reporting.web_api import allow_cross_origin
from reporting.web_api import city
from reporting.web_api import handle_problems
from reporting.web_api import query_args
from reporting.web_api import viewer

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
handle_problems(bp)
allow_cross_origin(bp)
compressed_blueprint(bp)

# Set by each page's links themselves; every other parameter is carried along.
PAGING = ("limit", "offset")


def _base() -> str:
    """The API's address in its links."""
    return external_url("ogc.landing").rstrip("/")


def _json(document: Any, mimetype: str = ogc_features.JSON, *, cache: bool = False) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False), mimetype=mimetype)
    return _cached(response) if cache else response


def _cached(response: Response) -> Response:
    """Let clients keep a metadata page and revalidate it: ETag, 304 when unchanged.

    Private, as pages behind a token must not be kept by shared caches.
    """
    response.add_etag()
    response.cache_control.max_age = 60
    response.cache_control.private = True
    response.vary.add("Authorization")
    response.vary.add("Accept")
    response.make_conditional(request)
    return response


def _wants_html(args: Any) -> bool:
    """``f=html``, or no ``f`` and a client that prefers HTML (a browser)."""
    f = single(args, "f")
    if f is not None:
        return f == "html"
    best = request.accept_mimetypes.best_match(
        [ogc_features.JSON, ogc_features.GEOJSON, ogc_features.HTML]
    )
    return best == ogc_features.HTML


def _tiles() -> dict[str, str]:
    """The base map of the HTML pages: the staff map's tiles (MAP_TILES_URL), GSI's by default."""
    config = current_app.config
    return {
        "url": str(config.get("MAP_TILES_URL") or maps.GSI_TILES_URL),
        "attribution": str(config.get("MAP_TILES_ATTRIBUTION") or maps.GSI_ATTRIBUTION),
    }


def _html(title: str, links: list[dict[str, str]], **page: Any) -> Response:
    values: dict[str, Any] = {
        "map_geojson": None,
        "tiles": _tiles(),
        "collections": None,
        "features": None,
        "properties": None,
        "operations": None,
        "conforms": None,
        "description": None,
        "matched": None,
    }
    values.update(page)
    body = render_template("ogc/page.html", title=title, links=links, base=_base(), **values)
    return Response(body, mimetype="text/html")


def _title() -> str:
    return f"Tsuho 通報: {city().name_en} ({city().name_ja})"


@bp.get("/", strict_slashes=False)
def landing() -> ResponseReturnValue:
    """Link to the API definition, the conformance classes and the collections."""
    args = _metadata_args()
    description = "Road and park damage reported by residents, and the wards that hold them."
    document = ogc_features.landing_page(_base(), _title(), description)
    if _wants_html(args):
        return _cached(_html(_title(), document["links"], description=description))
    return _json(document, cache=True)


@bp.get("/conformance")
def conformance() -> ResponseReturnValue:
    args = _metadata_args()
    document = ogc_features.conformance()
    if _wants_html(args):
        links = [ogc_features.link(f"{_base()}/conformance", "self", ogc_features.JSON, "JSON")]
        return _cached(_html("Conformance", links, conforms=document["conformsTo"]))
    return _json(document, cache=True)


@bp.get("/api")
def api() -> ResponseReturnValue:
    """The OpenAPI 3.0 definition (collections described without their extents); its HTML
    rendering is the service-doc."""
    args = _metadata_args()
    infos = ogc_collections.describe(city())
    document = ogc_openapi.openapi(_base(), _title(), "OGC API - Features", infos)
    if _wants_html(args):
        operations = [
            {
                "path": path,
                "summary": item["get"]["summary"],
                "parameters": [_parameter(document, p) for p in item["get"]["parameters"]],
            }
            for path, item in document["paths"].items()
        ]
        links = [
            ogc_features.link(f"{_base()}/api", "service-desc", ogc_features.OPENAPI, "OpenAPI")
        ]
        return _cached(_html(f"{_title()}: API", links, operations=operations))
    return _json(document, ogc_features.OPENAPI, cache=True)


def _parameter(document: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in parameter:
        name = parameter["$ref"].rsplit("/", 1)[1]
        return dict(document["components"]["parameters"][name])
    return parameter


@bp.get("/collections")
def collections() -> ResponseReturnValue:
    args = _metadata_args()
    document = ogc_features.collections(_base(), _described())
    if _wants_html(args):
        page = {"collections": document["collections"]}
        return _cached(_html(f"{_title()}: collections", document["links"], **page))
    return _json(document, cache=True)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> ResponseReturnValue:
    args = _metadata_args()
    info = ogc_collections.find(_described(), collection_id)
    document = ogc_features.collection(_base(), info)
    if _wants_html(args):
        page = {"collections": [document], "description": info.description}
        return _cached(_html(info.title, document["links"], **page))
    return _json(document, cache=True)


def _metadata_args() -> Any:
    args = query_args()
    check_known(args, ("f",))
    ogc_collections.check_format(args)
    return args


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> ResponseReturnValue:
    """A page of features, with numberMatched and next/prev links as GDAL and QGIS expect."""
    who = viewer()
    args = query_args()
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
    if _wants_html(args):
        document = json.loads(body)
        features = document["features"]
        columns = list(dict.fromkeys(k for f in features for k in (f["properties"] or {})))
        drawn = {"type": "FeatureCollection", "features": features}
        response = _html(
            f"{collection_id}: features",
            document["links"],
            map_geojson=json.dumps(drawn) if page.crs == crs_.CRS84 else None,
            features=features,
            columns=columns,
            matched=page.matched,
            returned=len(features),
            items_url=f"{url}/items",
        )
    else:
        response = Response(body, mimetype=geojson.MEDIA_TYPE)
    response.headers["Content-Crs"] = f"<{page.crs.uri}>"
    return response


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> ResponseReturnValue:
    """One feature, or 404."""
    without_transaction()
    who = viewer()
    args = query_args()
    check_known(args, ("f", "crs", "lang"))
    ogc_collections.check_format(args)
    crs = ogc_collections.chosen_crs(args, city())
    lang = exports.language(args)
    text = ogc_collections.feature(
        db.session(), collection_id, feature_id, who.visibility, city(), crs, lang
    )
    url = f"{_base()}/collections/{collection_id}"
    links = ogc_features.feature_links(f"{url}/items/{quote(feature_id)}", url)
    if _wants_html(args):
        document = json.loads(text)
        properties = {"geometry": json.dumps(document["geometry"]), **document["properties"]}
        drawn = json.dumps(document) if crs == crs_.CRS84 else None
        page = {"properties": properties, "map_geojson": drawn}
        response = _html(f"{collection_id} {feature_id}", links, **page)
    else:
        # The feature's text as PostgreSQL wrote it, its links added before the closing brace.
        body = f'{text[:-1]},"links":{json.dumps(links, ensure_ascii=False)}}}'
        response = Response(body, mimetype=geojson.MEDIA_TYPE)
    response.headers["Content-Crs"] = f"<{crs.uri}>"
    return response


def _described() -> list[ogc_features.Collection]:
    who = viewer()
    extents = ogc_collections.extents(db.session(), who.visibility)
    return ogc_collections.describe(city(), extents)
