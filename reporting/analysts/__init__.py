"""The analysts' APIs: GeoJSON and CSV exports, OGC API - Features, API tokens."""
