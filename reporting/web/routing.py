"""URL converters whose values the database can always compare."""

from typing import Any

from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

from reporting.web.inputs import BIGINT_MAX


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter (ASCII digits only), bounded to PostgreSQL's bigint."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(url_map, *args, **kwargs)
