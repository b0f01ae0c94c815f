"""The web report form at ``/report``: fill in, confirm, get a receipt and a status link.

No login and nothing personal. Abuse is kept out without outside services: a limit per
address on every POST (Flask-Limiter), a honeypot field, size limits and the CSRF token.
"""

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from reporting import glossary
from reporting.db import db
from reporting.extensions import limiter
from reporting.photos.cleaning import PhotoRejected
from reporting.public.context import city
from reporting.public.context import language
from reporting.public.context import map_settings
from reporting.public.forms import WebReportForm
from reporting.public.web_reports import MAX_PHOTOS
from reporting.public.web_reports import Draft
from reporting.public.web_reports import DraftExpired
from reporting.public.web_reports import PlaceRefused
from reporting.public.web_reports import check_place
from reporting.public.web_reports import file_report
from reporting.public.web_reports import store_photos
from reporting.web.routing import external_url

# Four phone photos of a few megabytes each, with the form's fields.
MAX_BODY = 4 * 8 * 1024 * 1024 + 64 * 1024
DRAFT = "web_report"
DONE = "web_report_done"


def _rate() -> str:
    return str(current_app.config["PUBLIC_REPORT_RATE_LIMIT"])


def register(bp: Blueprint) -> None:
    """Add the form's pages to the public blueprint."""
    bp.url_value_preprocessor(_limit_body)
    limited = limiter.limit(_rate, methods=["POST"])
    bp.add_url_rule("/report", "report_form", limited(report_form), methods=["GET", "POST"])
    bp.add_url_rule("/report/confirm", "report_confirm", limited(confirm), methods=["POST"])
    bp.add_url_rule("/report/done", "report_done", done)


def _limit_body(endpoint: str | None, values: dict | None) -> None:
    """Bound the form's body before anything reads it: CSRFProtect parses the form in the
    application's before_request, which runs after URL value preprocessors."""
    if endpoint in ("public.report_form", "public.report_confirm"):
        request.max_content_length = MAX_BODY


def _form() -> WebReportForm:
    form = WebReportForm()
    lang = language()
    form.kind.choices = [("", _("Choose…"))] + [
        (k.code, glossary.kind_label(city(), k.category.code, k.subcategory.code, lang))
        for k in city().kinds
    ]
    return form


def report_form() -> ResponseReturnValue:
    """Show the form; a sent form is checked and shown back for confirmation."""
    form = _form()
    if request.method == "GET":
        return _render_form(form)
    if form.website.data:
        abort(400)  # the honeypot: a person never sees that field
    if not form.validate_on_submit():
        return _render_form(form), 400
    try:
        area = check_place(
            db.session(), city(), float(form.lon.data), float(form.lat.data), language()
        )  # fmt: skip
    except PlaceRefused as refused:
        form.lon.errors = [refused.message]
        return _render_form(form), 400
    except ValueError:
        abort(400)
    uploads = [f.read(MAX_BODY) for f in form.photos.data if getattr(f, "filename", "")]
    try:
        photos = store_photos(current_app.extensions["tsuho.photos"], uploads)
    except PhotoRejected as rejected:
        message = rejected.message_en if language() == "en" else rejected.message_ja
        form.photos.errors = [message]
        return _render_form(form), 400
    draft = Draft(
        kind=form.kind.data or "", lon=float(form.lon.data), lat=float(form.lat.data),
        area_code=area.code, note=(form.note.data or "").strip() or None, photos=photos,
        made_at=datetime.now(UTC).timestamp(),
    )  # fmt: skip
    session[DRAFT] = draft.as_session()
    ward = area.name_en if language() == "en" else area.name_ja
    kind = dict(form.kind.choices)[draft.kind]
    return render_template("public/confirm.html", draft=draft, ward=ward, kind=kind)


def _render_form(form: WebReportForm) -> str:
    return render_template(
        "public/report_form.html",
        form=form,
        max_photos=MAX_PHOTOS,
        settings=map_settings(),
    )


def confirm() -> ResponseReturnValue:
    """File the checked report; its receipt and status link are shown once."""
    now = datetime.now(UTC)
    try:
        draft = Draft.from_session(session.get(DRAFT), now)
        report, token = file_report(
            db.session(), city(), current_app.extensions["tsuho.photos"], draft, now=now
        )
    except DraftExpired:
        db.session.rollback()
        session.pop(DRAFT, None)
        return render_template("public/error.html", expired=True, error=None), 409
    db.session.commit()
    session.pop(DRAFT, None)
    session[DONE] = {"receipt": report.receipt_number, "token": token}
    return redirect(url_for("public.report_done"), 303)


def done() -> ResponseReturnValue:
    """Show the receipt number and the private status link, once."""
    filed = session.pop(DONE, None)
    if not isinstance(filed, dict):
        return redirect(url_for("public.report_form"))
    link = external_url("public.status_page", token=filed["token"])
    response = current_app.make_response(
        render_template("public/done.html", receipt=filed["receipt"], link=link)
    )
    response.cache_control.no_store = True
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
