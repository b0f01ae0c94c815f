"""Export bodies streamed from PostgreSQL: GeoJSON and CSV, in constant memory at any size.

Each export runs on a connection of its own from the engine's pool, not the request's
session: the body is produced after the view has returned. The connection goes back to the
pool when the body is complete; when the client goes away mid-way (or anything fails) it is
closed instead, which also stops the query.

The export's query starts before the response does, so a database that cannot answer gives
an error status rather than a truncated 200.
"""

import csv
import io
from collections.abc import Iterator
from datetime import datetime

import psycopg
from sqlalchemy import Engine
from sqlalchemy import PoolProxiedConnection

from gis import geojson
from gis.crs import CRS84
from gis.crs import Crs
from reporting import glossary
from reporting.analysts import pg_copy
from reporting.city_profile import CityProfile
from reporting.problems import BadParameter
from reporting.report_filters import JST
from reporting.report_filters import Args
from reporting.report_filters import single
from reporting.report_queries import Labels
from reporting.report_queries import Rows
from reporting.report_queries import csv_rows
from reporting.report_queries import feature_rows

# Features per chunk written to the client, about 100 KB. Larger chunks fall out of the CPU's
# caches between PostgreSQL, this process and the client: at 2,048 features (750 KB) the
# worker spent four times the CPU per feature (docs/benchmarks.md).
ROWS_PER_CHUNK = 256

# CSV rows fetched from the server-side cursor at a time (a round trip each).
CSV_ROWS_PER_FETCH = 1000

# Excel reads a CSV file as UTF-8 only when it starts with a byte-order mark.
BOM = "\ufeff"

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


LANGUAGES = ("ja", "en")


def language(args: Args) -> str:
    """Return the language of the labels: ``lang=ja`` (the default) or ``lang=en``."""
    chosen = single(args, "lang") or "ja"
    if chosen not in LANGUAGES:
        raise BadParameter("lang", "ja or en")
    return chosen


def labels(city: CityProfile, lang: str) -> Labels:
    """Return the words beside the codes, from the glossary and the city's categories."""
    return Labels(
        categories={c.code: glossary.category_word(city, c.code, lang) for c in city.categories},
        subcategories={
            f"{c.code}.{s.code}": glossary.subcategory_word(city, c.code, s.code, lang)
            for c in city.categories
            for s in c.subcategories
        },
        statuses=glossary.labels(glossary.STATUSES, lang),
        priorities=glossary.labels(glossary.PRIORITIES, lang),
        managers=glossary.labels(glossary.ROAD_MANAGERS, lang),
    )


def geojson_stream(engine: Engine, rows: Rows, name: str, crs: Crs = CRS84) -> Iterator[bytes]:
    """Start a GeoJSON FeatureCollection of the rows (see analyst_rows) and return its chunks.

    In another CRS than CRS84 the points are easting, northing and the collection names its
    CRS the way GDAL and QGIS read it (the ``crs`` member of GeoJSON's 2008 draft).
    """
    raw, conn = _checkout(engine)
    try:
        sql = _statement(engine, conn, feature_rows(rows, crs=crs, axes="xy"))
        pg_copy.copy_out(conn, f"COPY ({sql}) TO STDOUT ({pg_copy.JSON_LINES})")
    except BaseException:
        _release(raw, complete=False)
        raise
    head: dict[str, object] = {"name": name}
    if crs != CRS84:
        head["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs.srid}"}}
    return _geojson_chunks(raw, conn, head)


def _geojson_chunks(
    raw: PoolProxiedConnection, conn: psycopg.Connection, head: dict[str, object]
) -> Iterator[bytes]:
    complete = False
    try:
        yield geojson.collection_head(**head).encode()
        separator = geojson.FEATURE_SEPARATOR.encode()
        first = True
        for batch in pg_copy.batches(conn, ROWS_PER_CHUNK):
            # Each row is a feature and its newline; every feature after the first gets a comma.
            if not first:
                batch.insert(0, memoryview(b""))
            first = False
            yield separator.join(batch)
        yield geojson.COLLECTION_TAIL.encode()
        complete = True
    finally:
        _release(raw, complete)


def csv_stream(engine: Engine, rows: Rows, crs: Crs = CRS84) -> Iterator[bytes]:
    """Start a CSV file of the rows (see csv_rows) and return its chunks."""
    raw, conn = _checkout(engine)
    cursor = conn.cursor(name="tsuho_csv_export")
    try:
        cursor.execute(_statement(engine, conn, csv_rows(rows, crs)))
        header = [column.name for column in cursor.description or ()]
    except BaseException:
        _release(raw, complete=False, cursor=cursor)
        raise
    return _csv_chunks(raw, cursor, header)


def _csv_chunks(
    raw: PoolProxiedConnection, cursor: psycopg.ServerCursor, header: list[str]
) -> Iterator[bytes]:
    complete = False
    try:
        buffer = io.StringIO()
        buffer.write(BOM)
        # The csv module's default dialect is RFC 4180: CRLF, quotes only where needed.
        writer = csv.writer(buffer)
        writer.writerow(header)
        while rows := cursor.fetchmany(CSV_ROWS_PER_FETCH):
            writer.writerows([csv_cell(value) for value in row] for row in rows)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode()
        cursor.close()
        complete = True
    finally:
        _release(raw, complete, cursor)


def csv_cell(value: object) -> str:
    """Return a value as CSV cell text; text a spreadsheet would run as a formula is defused."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, datetime):
        return value.astimezone(JST).isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.7f}".rstrip("0").rstrip(".")
    return str(value)


def _checkout(engine: Engine) -> tuple[PoolProxiedConnection, psycopg.Connection]:
    """Take a connection of the export's own (opened with reporting.db's session settings)."""
    raw = engine.raw_connection()
    conn = raw.driver_connection
    assert isinstance(conn, psycopg.Connection)
    return raw, conn


def _statement(engine: Engine, conn: psycopg.Connection, query: Rows) -> str:
    """Return the query as SQL text with its values bound (COPY takes no parameters)."""
    compiled = query.compile(engine, compile_kwargs={"render_postcompile": True})
    return psycopg.ClientCursor(conn).mogrify(compiled.string, compiled.params)


def _release(
    raw: PoolProxiedConnection, complete: bool, cursor: psycopg.ServerCursor | None = None
) -> None:
    """Give a finished connection back to the pool; close one left mid-way, and its cursor."""
    if complete:
        raw.close()
    else:
        raw.invalidate()
    if cursor is not None:
        cursor.close()  # without a word to the server once the connection is closed
