"""Open311 documents: lists of flat records, as JSON or as the spec's schemaless XML.

The two formats carry the same records (the spec's "Spark convention"): a JSON array of
objects is an XML root element holding one element per object, one child per member; null
is an empty element. XML is built with ElementTree, so text is always escaped, and
characters XML 1.0 cannot hold are replaced rather than written.
"""

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reporting.city_profile import CityProfile
from reporting.open311.queries import RequestRow
from reporting.open311.services import Service
from reporting.open311.services import open311_status
from reporting.open311.services import service_code
from reporting.open311.services import service_name
from reporting.open311.services import status_notes
from reporting.report_filters import JST

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

Record = dict[str, Any]

# Characters XML 1.0 does not allow (C0 controls but tab and newlines, surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def service_record(service: Service, lang: str = "ja") -> Record:
    """Return one entry of GET services: none has extra fields, so metadata is false."""
    name, group = service.named(lang)
    return {
        "service_code": service.code,
        "service_name": name,
        "description": service.description,
        "metadata": False,
        "type": "realtime",
        "keywords": service.keywords,
        "group": group,
    }


def request_record(row: RequestRow, city: CityProfile, lang: str = "ja") -> Record:
    """Return one service request as the public may see it.

    ``description`` is always null: residents' notes are unreviewed free text, which the
    city publishes nowhere. ``media_url`` is null: photos are served to staff only.
    """
    referred = row.status == "referred"
    return {
        "service_request_id": row.receipt_number,
        "status": open311_status(row.status),
        "status_notes": status_notes(row.status),
        "service_name": service_name(city, row.category, row.subcategory, lang),
        "service_code": service_code(row.category, row.subcategory),
        "description": None,
        "agency_responsible": None if referred else city.name_ja,
        "service_notice": None,
        "requested_datetime": w3_datetime(row.created_at),
        "updated_datetime": w3_datetime(row.updated_at),
        "expected_datetime": None,
        "address": row.area_name,
        "address_id": None,
        "zipcode": None,
        "lat": round(row.lat, 7),
        "long": round(row.lon, 7),
        "media_url": None,
    }


def created_record(receipt_number: str, notice: str) -> Record:
    """Return the answer to POST requests: the new request's id; no account is kept."""
    return {"service_request_id": receipt_number, "service_notice": notice, "account_id": None}


def error_record(code: int, description: str) -> Record:
    return {"code": code, "description": description}


def w3_datetime(moment: datetime) -> str:
    """Return a time as the spec's W3C date-time, in Japan time with its offset, to the second."""
    return moment.astimezone(JST).replace(microsecond=0).isoformat()


def render(records: Sequence[Record], fmt: str, root: str, item: str) -> bytes:
    """Return the records as a JSON array, or as ``<root><item>…</item>…</root>``."""
    if fmt == "json":
        # A lone surrogate (JSON bodies may carry one, echoed in an error) cannot be UTF-8.
        return json.dumps(list(records), ensure_ascii=False).encode(errors="replace")
    top = ET.Element(root)
    for record in records:
        element = ET.SubElement(top, item)
        for name, value in record.items():
            ET.SubElement(element, name).text = _xml_text(value)
    return _DECLARATION + ET.tostring(top, encoding="unicode").encode()


def _xml_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))
