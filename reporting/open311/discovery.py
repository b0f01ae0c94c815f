"""Open311 Service Discovery: the document that tells apps where GeoReport v2 is served.

Its JSON and XML carry the same fields; the XML nests ``endpoints/endpoint/formats/format``,
as the discovery specification's example does.
"""

import json
import xml.etree.ElementTree as ET
from typing import Any

from reporting.city_profile import CityProfile

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed, as the specification's changeset asks.
CHANGESET = "2026-12-03T00:00:00+09:00"
MEDIA_TYPES = ("text/xml", "application/json")


def document(city: CityProfile, endpoint_url: str) -> dict[str, Any]:
    """Return the discovery document for the city's one production endpoint."""
    key = "An app files requests with an Open311 key (api_key) the city gives it" + (
        "; reading requests needs one too." if city.open311_requires_key else "."
    )
    return {
        "changeset": CHANGESET,
        "contact": f"{city.name_ja} ({city.name_en}): {city.contact_phone}",
        "key_service": key,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(MEDIA_TYPES),
            }
        ],
    }


def render(discovery: dict[str, Any], fmt: str) -> bytes:
    """Return the document as JSON, or as the specification's XML."""
    if fmt == "json":
        return json.dumps(discovery, ensure_ascii=False).encode()
    top = ET.Element("discovery")
    for name in ("changeset", "contact", "key_service"):
        ET.SubElement(top, name).text = discovery[name]
    endpoints = ET.SubElement(top, "endpoints")
    for endpoint in discovery["endpoints"]:
        element = ET.SubElement(endpoints, "endpoint")
        for name in ("specification", "url", "changeset", "type"):
            ET.SubElement(element, name).text = endpoint[name]
        formats = ET.SubElement(element, "formats")
        for media_type in endpoint["formats"]:
            ET.SubElement(formats, "format").text = media_type
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    return declaration + ET.tostring(top, encoding="unicode").encode()
