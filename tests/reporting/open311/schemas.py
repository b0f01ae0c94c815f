"""JSON Schemas of Open311 GeoReport v2 responses, written from the specification.

http://wiki.open311.org/GeoReport_v2: GET services, GET requests and GET requests/{id},
POST requests, and errors. The spec asks servers not to add foreign fields, so objects allow
no members beyond the spec's. Times must be W3C date-times with an offset ("Timezone
information ... must be included"); ``lat``/``long`` are WGS 84 numbers.
"""

from typing import Any

import jsonschema

W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"

_TEXT = {"type": ["string", "null"]}
_ID = {"type": ["string", "integer"], "minLength": 1}
_TIME = {"type": "string", "pattern": W3C_DATETIME}
_OPTIONAL_TIME = {"type": ["string", "null"], "pattern": W3C_DATETIME}


def _list_of(item: dict[str, Any], *, min_items: int = 0) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "array",
        "minItems": min_items,
        "items": {"type": "object", "additionalProperties": False, **item},
    }


SERVICES = _list_of(
    {
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": _ID,
            "service_name": {"type": "string", "minLength": 1},
            "description": _TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": _TEXT,
            "group": _TEXT,
        },
    }
)

SERVICE_REQUESTS = _list_of(
    {
        "required": [
            "service_request_id",
            "status",
            "service_code",
            "requested_datetime",
            "lat",
            "long",
        ],
        "properties": {
            "service_request_id": _ID,
            "status": {"enum": ["open", "closed"]},
            "status_notes": _TEXT,
            "service_name": _TEXT,
            "service_code": _ID,
            # "free form text limited to 4,000 characters"
            "description": {"type": ["string", "null"], "maxLength": 4000},
            "agency_responsible": _TEXT,
            "service_notice": _TEXT,
            "requested_datetime": _TIME,
            "updated_datetime": _OPTIONAL_TIME,
            "expected_datetime": _OPTIONAL_TIME,
            "address": _TEXT,
            "address_id": {"type": ["string", "integer", "null"]},
            "zipcode": {"type": ["string", "integer", "null"]},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "long": {"type": "number", "minimum": -180, "maximum": 180},
            "media_url": {"type": ["string", "null"], "format": "uri"},
        },
    }
)

# A request's id, or a token to exchange for one later ("should not be returned" together).
POST_RESPONSE = _list_of(
    {
        "oneOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "properties": {
            "service_request_id": _ID,
            "token": _ID,
            "service_notice": _TEXT,
            "account_id": {"type": ["string", "integer", "null"]},
        },
    },
    min_items=1,
)

ERRORS = _list_of(
    {
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer"},
            "description": {"type": "string", "minLength": 1},
        },
    },
    min_items=1,
)


def validate(document: Any, schema: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless the document follows the schema."""
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)
