"""A Folium map with clustered markers loads its scripts and styles from our static files."""

import re
from pathlib import Path

import folium
import pytest
from folium.plugins import Fullscreen
from folium.plugins import MarkerCluster

from gis.map_assets import LOCAL_ASSETS
from gis.map_assets import NotVendored
from gis.map_assets import serve_locally

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_a_clustered_map_names_no_outside_host() -> None:
    m = folium.Map(location=[34.6551, 133.9195], tiles=None)
    serve_locally(m)
    cluster = MarkerCluster()
    serve_locally(cluster)
    cluster.add_to(m)
    folium.Marker([34.6551, 133.9195]).add_to(cluster)
    html = m.get_root().render()
    assert not re.findall(r"https?://", html)
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(links) == sorted("/static/" + path for path in LOCAL_ASSETS.values())
    # Other maps keep Folium's own defaults: only these instances were changed.
    assert "cdn.jsdelivr.net" in folium.Map(tiles=None).get_root().render()


def test_an_element_needing_an_asset_we_do_not_serve_is_refused() -> None:
    with pytest.raises(NotVendored, match=r"Control\.Fullscreen\.js"):
        serve_locally(Fullscreen())


def test_the_vendored_files_and_their_licences_are_there() -> None:
    for path in LOCAL_ASSETS.values():
        assert (STATIC / path).is_file(), path
    assert "BSD 2-Clause" in (STATIC / "vendor/leaflet/LICENSE").read_text()
    assert "Permission is hereby granted" in (
        STATIC / "vendor/leaflet.markercluster/LICENSE"
    ).read_text()
    css = (STATIC / "vendor/leaflet/leaflet.css").read_text()
    for image in re.findall(r"url\((images/[^)]+)\)", css):
        assert (STATIC / "vendor/leaflet" / image).is_file(), image
    for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        assert (STATIC / "vendor/leaflet/images" / name).is_file()
