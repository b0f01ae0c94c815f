"""Point Folium's script and style links at our own copies, so a map page needs no CDN."""

from folium.elements import JSCSSMixin

# Folium's names for the assets we vendor (static/vendor/README.md), and where they are served.
LOCAL_ASSETS = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "markerclusterjs": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "vendor/leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
}
# folium.Map also loads jQuery, Bootstrap, Font Awesome and Awesome Markers, used only by
# folium.Icon and Bootstrap-styled popups; our maps use Leaflet's own markers and leave them out.
UNUSED_ASSETS = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)


class NotVendored(LookupError):
    """An element wants an asset we do not serve; vendor it or use another element."""


def serve_locally(element: JSCSSMixin, static_url: str = "/static/") -> None:
    """Replace the element's CDN links with ours (on this element only, not its class)."""
    element.default_js = _local(element.default_js, static_url)
    element.default_css = _local(element.default_css, static_url)


def _local(links: list[tuple[str, str]], static_url: str) -> list[tuple[str, str]]:
    wanted = [name for name, _ in links if name not in UNUSED_ASSETS]
    missing = [name for name in wanted if name not in LOCAL_ASSETS]
    if missing:
        raise NotVendored(", ".join(missing))
    return [(name, static_url + LOCAL_ASSETS[name]) for name in wanted]
