"""URLs: converters whose values the database can always compare, and our own absolute links."""

from typing import Any

from flask import current_app
from flask import url_for
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

from reporting.web.inputs import BIGINT_MAX


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter (ASCII digits only), bounded to PostgreSQL's bigint."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(url_map, *args, **kwargs)


def external_url(endpoint: str, **values: Any) -> str:
    """Return an absolute link to ``endpoint``, under TSUHO_PUBLIC_URL when set.

    So a request's Host header is never reflected into links; unset (local use), the link
    follows the request, which TSUHO_TRUSTED_HOSTS can restrict.
    """
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return str(public).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
