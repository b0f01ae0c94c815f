"""The OpenAPI 3.0 definition of the OGC API - Features endpoints (conformance class oas30).

Parameters follow the standard's own OpenAPI fragments (Part 1's bbox, datetime and limit;
Part 2's crs and bbox-crs), so generic clients read them as they expect.
"""

from collections.abc import Sequence
from typing import Any

from gis.ogc_features import DEFAULT_LIMIT
from gis.ogc_features import GEOJSON
from gis.ogc_features import JSON
from gis.ogc_features import MAX_LIMIT
from gis.ogc_features import OPENAPI
from gis.ogc_features import Collection
from gis.ogc_features import QueryParameter

PROBLEM = "application/problem+json"

_CORE_PARAMETERS: dict[str, Any] = {
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"Features per page; above {MAX_LIMIT} is treated as {MAX_LIMIT}.",
        "style": "form",
        "explode": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_LIMIT,
            "default": DEFAULT_LIMIT,
        },
    },
    "offset": {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "Features to skip (the next link carries it).",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
    "bbox": {
        "name": "bbox",
        "in": "query",
        "required": False,
        "description": (
            "west,south,east,north in lon/lat (CRS84), or in bbox-crs's axis order; edges"
            " included. Six numbers (with heights) are read as CRS84h, the heights ignored."
        ),
        "style": "form",
        "explode": False,
        "schema": {
            "type": "array",
            "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
            "items": {"type": "number"},
        },
    },
    "bbox-crs": {
        "name": "bbox-crs",
        "in": "query",
        "required": False,
        "description": "The CRS of bbox (one of the collection's crs); CRS84 by default.",
        "style": "form",
        "explode": False,
        "schema": {"type": "string", "format": "uri"},
    },
    "crs": {
        "name": "crs",
        "in": "query",
        "required": False,
        "description": (
            "The CRS of the geometries answered (one of the collection's crs), in its axis"
            " order; CRS84 by default. The Content-Crs header names it."
        ),
        "style": "form",
        "explode": False,
        "schema": {"type": "string", "format": "uri"},
    },
    "datetime": {
        "name": "datetime",
        "in": "query",
        "required": False,
        "description": (
            "Reports: their creation time, an RFC 3339 date-time, a date, or start/end with '..'"
            " for one open end. Wards have no time: the parameter is accepted and ignored."
        ),
        "style": "form",
        "explode": False,
        "schema": {"type": "string"},
    },
    "f": {
        "name": "f",
        "in": "query",
        "required": False,
        "description": "The format: json, or html to browse.",
        "schema": {"type": "string", "enum": ["json", "html"]},
    },
    "featureId": {
        "name": "featureId",
        "in": "path",
        "required": True,
        "description": "The feature's id.",
        "schema": {"type": "string"},
    },
}

_SCHEMAS: dict[str, Any] = {
    "featureCollectionGeoJSON": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/featureGeoJSON"}},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    },
    "featureGeoJSON": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "geometry": {"type": "object", "nullable": True},
            "properties": {"type": "object", "nullable": True},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        },
    },
    "link": {
        "type": "object",
        "required": ["href"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    },
    "problem": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "parameter": {"type": "string"},
        },
    },
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(description: str, media: str = JSON, schema: Any = None) -> dict[str, Any]:
    return {
        "description": description,
        "content": {media: {"schema": schema or {"type": "object"}}},
    }


_ERRORS = {
    "400": _json(
        "A parameter is wrong; the problem names it.", PROBLEM, _ref("schemas", "problem")
    ),
    "401": _json("An API token is needed.", PROBLEM, _ref("schemas", "problem")),
}


def _get(operation_id: str, summary: str, ok: dict[str, Any], params: list[Any]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": params,
            "responses": {"200": ok, **_ERRORS},
        }
    }


def _filter(parameter: QueryParameter) -> dict[str, Any]:
    items: dict[str, Any] = {"type": "string"}
    if parameter.values:
        items["enum"] = list(parameter.values)
    return {
        "name": parameter.name,
        "in": "query",
        "required": False,
        "description": parameter.description + " Several values: comma-separated.",
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": items},
    }


def _collection_paths(info: Collection) -> dict[str, Any]:
    url = f"/collections/{info.id}"
    core = ["limit", "offset", "bbox", "bbox-crs", "datetime", "crs"]
    items_params = [_ref("parameters", name) for name in core]
    items_params += [_filter(p) for p in info.parameters] + [_ref("parameters", "f")]
    features = _json(info.title, GEOJSON, _ref("schemas", "featureCollectionGeoJSON"))
    feature = _json(info.title, GEOJSON, _ref("schemas", "featureGeoJSON"))
    feature["description"] = "The feature"
    for answer in (features, feature):
        answer["headers"] = {"Content-Crs": _ref("headers", "Content-Crs")}
    not_found = {"404": _json("No such feature.", PROBLEM, _ref("schemas", "problem"))}
    one = _get(
        f"get_{info.id}_feature",
        f"One feature of {info.title}",
        feature,
        [_ref("parameters", "featureId"), _ref("parameters", "crs"), _ref("parameters", "f")],
    )
    one["get"]["responses"].update(not_found)
    return {
        url: _get(
            f"describe_{info.id}",
            f"About {info.title}",
            _json("The collection"),
            [_ref("parameters", "f")],
        ),
        f"{url}/items": _get(
            f"get_{info.id}_features", f"Features of {info.title}", features, items_params
        ),
        f"{url}/items/{{featureId}}": one,
    }


def openapi(base: str, title: str, description: str, infos: Sequence[Collection]) -> dict[str, Any]:
    """Return the OpenAPI 3.0 document describing every endpoint under ``base``."""
    f = [_ref("parameters", "f")]
    paths: dict[str, Any] = {
        "/": _get("landing_page", "Landing page", _json("Links to the API"), f),
        "/conformance": _get("conformance", "Conformance classes", _json("Classes"), f),
        "/api": _get("api", "This document", _json("The API definition", OPENAPI), f),
        "/collections": _get("collections", "The collections", _json("Collections"), f),
    }
    for info in infos:
        paths.update(_collection_paths(info))
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "description": description, "version": "1.0.0"},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "parameters": _CORE_PARAMETERS,
            "schemas": _SCHEMAS,
            "headers": {
                "Content-Crs": {
                    "description": "The CRS of the coordinates, a URI in angle brackets.",
                    "schema": {"type": "string"},
                }
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                # The same token as the password, any user name: for QGIS, GDAL, Excel.
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
        # A token, or none where the city publishes its data.
        "security": [{"bearer": []}, {"basic": []}, {}],
    }
