"""The staff dashboard's pages (signed-in viewers and up) and what every staff template gets."""

from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import has_request_context
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from reporting import i18n
from reporting.staff import auth as staff_auth
from reporting.staff import map as staff_map
from reporting.staff import report_actions
from reporting.staff import reports as staff_reports_web
from reporting.staff import stats as staff_stats
from reporting.staff.words import page_words

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.register_error_handler(400, staff_auth.error_page)
bp.register_error_handler(403, staff_auth.error_page)
staff_reports_web.register(bp)
report_actions.register(bp)
staff_map.register(bp)
staff_stats.register(bp)


@bp.before_request
def signed_in() -> ResponseReturnValue | None:
    """Every page here needs a signed-in account; views that change things ask for more."""
    return staff_auth.check_role("viewer")


@bp.app_context_processor
def layout_context() -> dict[str, Any]:
    """Give templates the city, the language, its words, the current page and which pages exist."""
    if not has_request_context():
        return {}
    language = str(get_locale() or i18n.DEFAULT_LANGUAGE)
    return {
        "city": current_app.extensions["tsuho.city"],
        "language": language,
        "words": page_words(),
        "here": request.full_path.rstrip("?"),
        "has_page": lambda endpoint: endpoint in current_app.view_functions,
    }


@bp.app_template_filter("localtime")
def localtime(value: datetime | None, pattern: str = i18n.DATETIME_PATTERN) -> str:
    """Show a moment as Tokyo time in the page's language."""
    return i18n.format_local(value, str(get_locale() or i18n.DEFAULT_LANGUAGE), pattern)
