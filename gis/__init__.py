"""Geometry only: areas and boundaries, GeoJSON, OGC API Features, map building."""
