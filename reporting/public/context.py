"""What every public page and script shares: the city, the language, the map's settings."""

from typing import Any

from flask import current_app
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from gis import maps
from reporting import glossary
from reporting import i18n
from reporting.city_profile import CityProfile
from reporting.public.filters import MapFilters

# Marker colours by status, each readable against the white of a map label.
STATUS_COLOURS = {
    "new": "#b91c1c",
    "acknowledged": "#c2410c",
    "in_progress": "#a16207",
    "resolved": "#15803d",
    "rejected": "#4b5563",
    "duplicate": "#6b7280",
    "referred": "#6d28d9",
}


def city() -> CityProfile:
    """The city profile the site serves."""
    return current_app.extensions["tsuho.city"]


def language() -> str:
    """The page's language: Japanese unless this browser chose English."""
    return i18n.language(str(get_locale() or i18n.DEFAULT_LANGUAGE))


def map_settings(filters: MapFilters | None = None) -> dict[str, Any]:
    """What the map scripts (static/js/public_map.js, public_form.js) need, as JSON."""
    tiles = current_app.config.get("MAP_TILES_URL") or maps.GSI_TILES_URL
    attribution = current_app.config.get("MAP_TILES_ATTRIBUTION") or maps.GSI_ATTRIBUTION
    lon, lat = city().map_center
    return {
        "center": [lat, lon],
        "zoom": maps.DEFAULT_ZOOM,
        "max_zoom": maps.MAX_ZOOM,
        "tiles": tiles,
        # Configuration and our own constants, never user text: Leaflet shows them as HTML.
        "attribution": f"{attribution} | {maps.N03_ATTRIBUTION}",
        "markers": url_for("public.markers"),
        "filters": filters.args() if filters else {},
        "report": url_for("public.report_page", receipt="RECEIPT"),
        "colours": STATUS_COLOURS,
        "statuses": glossary.labels(glossary.STATUSES, language()),
        "text": {
            "shown": _("%(count)s reports in view", count="{count}"),
            "zoom_in": _("%(count)s reports in view: zoom in to see each one.", count="{count}"),
            "failed": _("The reports could not be loaded."),
            "cell": _("%(count)s reports here", count="{count}"),
            "open": _("Open the report"),
        },
    }
