"""URL converters whose values the database can always compare."""

from werkzeug.routing import IntegerConverter

from reporting.web.inputs import BIGINT_MAX


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter (ASCII digits only), bounded to PostgreSQL's bigint."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]  # noqa: A002, ANN001
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(map, *args, **kwargs)
