"""The export buttons of the list and the map: the analysts' downloads with the same filters.

The dashboard's filters are ``status`` (``open`` included), ``category``, ``ward`` and the
``from``/``to`` dates; the exports take the same names but one ``datetime`` interval. Filters
the exports do not have (receipt number, urgent only, sorting) are left out.
"""

from collections.abc import Mapping
from typing import Any

from flask import url_for

CARRIED = ("status", "category", "ward")


def export_links(args: Mapping[str, Any]) -> dict[str, str]:
    """Return the CSV and GeoJSON export URLs for the dashboard's current filters."""
    query: dict[str, Any] = {}
    for name in CARRIED:
        value = args.get(name)
        values = [value] if isinstance(value, str) else list(value or [])
        values = [v for v in values if v]
        if values:
            query[name] = ",".join(values)
    start, end = args.get("from") or "", args.get("to") or ""
    if start or end:
        query["datetime"] = f"{start or '..'}/{end or '..'}"
    return {
        "csv": url_for("analyst_api.reports_csv", **query),
        "geojson": url_for("analyst_api.reports_geojson", **query),
    }
