"""Folium maps of the service area: base tiles, ward outlines, Leaflet served from our static/.

Plain values in, a ``folium.Map`` out; no Flask. Reports are not drawn here: a page adds them
from the API for the visible box (static/js/staff_map.js), so a map page stays small.
"""

from dataclasses import dataclass
from typing import Any

import folium
from branca.element import CssLink
from branca.element import Figure
from branca.element import JavascriptLink
from folium.plugins import MarkerCluster
from shapely.geometry import shape

from gis.map_assets import serve_locally

# Deeper than GSI's standard tiles go (18), tiles are upscaled blur; MarkerCluster needs a maxZoom.
MAX_ZOOM = 18
DEFAULT_ZOOM = 12
# 国土地理院's standard map. A tile server is data, not a code asset: a city may point
# MAP_TILES_URL at its own server (or an intranet mirror) when staff PCs cannot reach GSI.
GSI_TILES_URL = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
GSI_ATTRIBUTION = '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>'
# gis/data/boundaries/SOURCES.md: shown wherever maps drawn from N03 are shown.
N03_ATTRIBUTION = (
    "「国土数値情報（行政区域データ）」（国土交通省）"
    '（<a href="https://nlftp.mlit.go.jp/ksj/gml/datalist/KsjTmplt-N03-v3_1.html">'
    "https://nlftp.mlit.go.jp/ksj/gml/datalist/KsjTmplt-N03-v3_1.html</a>）を加工して作成"
)
OUTLINE_STYLE = {"color": "#1d4ed8", "weight": 2, "opacity": 0.8, "fill": False}
# Web Mercator: the world is 256 pixels wide at zoom 0, twice as wide at each zoom level.
TILE_PIXELS = 256


@dataclass(frozen=True)
class Tiles:
    """A base tile layer: a URL template with {z}/{x}/{y}, and its attribution HTML."""

    url: str = GSI_TILES_URL
    attribution: str = GSI_ATTRIBUTION


@dataclass(frozen=True)
class MapParts:
    """A rendered map split for a page: tags for <head>, the map's <div>, and its script."""

    name: str
    cluster: str
    head: str
    body: str
    script: str


def area_map(
    center: tuple[float, float],
    outlines: dict[str, Any],
    *,
    tiles: Tiles,
    static_url: str,
    zoom: int = DEFAULT_ZOOM,
) -> folium.Map:
    """Build the map centred on ``center`` (lon, lat) with the area outlines drawn on it.

    It also holds an empty marker cluster group, named ``reports``, for a script to fill.
    """
    lon, lat = center
    # No scale here: Folium's shows miles beside metres; the page adds a metric one.
    m = folium.Map(
        location=[lat, lon], zoom_start=zoom, tiles=None, max_zoom=MAX_ZOOM, maxZoom=MAX_ZOOM,
        prefer_canvas=False, control_scale=False, height="100%", width="100%",
    )
    serve_locally(m, static_url)
    folium.TileLayer(
        tiles=tiles.url,
        attr=f"{tiles.attribution} | {N03_ATTRIBUTION}",
        max_zoom=MAX_ZOOM,
        max_native_zoom=MAX_ZOOM,
        name="base",
    ).add_to(m)
    if outlines["features"]:
        folium.GeoJson(
            outlines, name="areas", style_function=lambda _: OUTLINE_STYLE, interactive=False,
        ).add_to(m)
    # chunkedLoading: tens of thousands of markers are added in slices, between frames. At the
    # deepest zoom every report is its own marker: nothing is left to zoom into.
    cluster = MarkerCluster(
        name="reports", chunkedLoading=True, showCoverageOnHover=False,
        disableClusteringAtZoom=MAX_ZOOM,
    )
    serve_locally(cluster, static_url)
    cluster.add_to(m)
    return m


def outline_bounds(outlines: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """Return (west, south, east, north) around the outlines, or None when there are none."""
    boxes = [shape(f["geometry"]).bounds for f in outlines["features"] if f.get("geometry")]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def degrees_across(pixels: int, zoom: int) -> float:
    """Return how many degrees of longitude ``pixels`` screen pixels span at ``zoom``."""
    return pixels * 360 / (TILE_PIXELS * 2**zoom)


def split(m: folium.Map) -> MapParts:
    """Render the map's script and style links, its element and its script, for our own page.

    Folium's page styles (full-window html and body, a viewport that forbids zooming) are
    left out: the page's own style sheet sizes the map.
    """
    root = m.get_root()
    assert isinstance(root, Figure)  # folium.Map always sits in a Figure
    root.render()
    links = [
        child.render()
        for child in root.header._children.values()
        if isinstance(child, JavascriptLink | CssLink)
    ]
    cluster = next(c for c in m._children.values() if isinstance(c, MarkerCluster))
    return MapParts(
        name=m.get_name(),
        cluster=cluster.get_name(),
        head="\n".join(links),
        body=root.html.render(),
        script=root.script.render(),
    )
