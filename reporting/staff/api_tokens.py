"""The admins' page for API tokens: create one (shown once), list them, revoke one; audited.

The same tokens as ``flask --app app tokens``: ``read`` for analysts (exports, OGC API; sent
as ``Authorization: Bearer`` or as the Basic password), ``open311`` for partner apps.
"""

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Regexp

from reporting import access
from reporting.db import db
from reporting.models import StaffAudit
from reporting.staff import auth as staff_auth
from reporting.staff.forms import StaffForm

bp = Blueprint("staff_tokens", __name__, url_prefix="/staff/admin/tokens")
bp.register_error_handler(400, staff_auth.error_page)
bp.register_error_handler(403, staff_auth.error_page)

SCOPE_LABELS = {
    access.READ: _l("Analysts: exports and OGC API (read)"),
    access.OPEN311: _l("Open311 app: files reports (api_key)"),
}


@bp.before_request
def admins_only() -> ResponseReturnValue | None:
    """Only admins hand out and revoke tokens."""
    return staff_auth.check_role("admin")


class TokenForm(StaffForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(),
            Regexp(r"^[\w.@-]{1,64}$", message=_l("1–64 letters, digits or . _ @ -")),
        ],
    )
    scope = SelectField(
        _l("Scope"),
        choices=[SelectChoice(k, v) for k, v in SCOPE_LABELS.items()],
        default=access.READ,
    )


class RevokeForm(StaffForm):
    pass


@bp.get("/")
def tokens() -> ResponseReturnValue:
    """List every token, newest state first, with the form for a new one."""
    return _page(TokenForm())


def _page(form: TokenForm, status: int = 200, new_token: str | None = None) -> ResponseReturnValue:
    page = render_template(
        "staff/admin_tokens.html",
        tokens=access.list_tokens(db.session()),
        form=form,
        revoke_form=RevokeForm(formdata=None),
        scope_labels=SCOPE_LABELS,
        new_token=new_token,
    )
    # The page may hold a token shown once: no cache keeps it.
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/")
def create() -> ResponseReturnValue:
    """Create a token and show it, this once; only its hash is kept."""
    form = TokenForm()
    if not form.validate():
        return _page(form, 422)
    name, scope = form.name.data or "", form.scope.data or access.READ
    session = db.session()
    try:
        token = access.create_token(session, name, scope)
    except access.TokenError:
        form.name.errors = [_("A live token has this name; revoke it first or pick another.")]
        return _page(form, 422)
    _audit("token_created", name, scope)
    session.commit()
    flash(
        _("Created the token %(name)s. Copy it now: it is not shown again.", name=name), "success"
    )
    return _page(TokenForm(formdata=None), 201, new_token=token)


@bp.post("/<name>/revoke")
def revoke(name: str) -> ResponseReturnValue:
    """Revoke a live token; requests using it are refused from now on."""
    if not RevokeForm().validate():
        return _page(TokenForm(formdata=None), 400)
    session = db.session()
    try:
        access.revoke_token(session, name, datetime.now(UTC))
    except access.TokenError:
        flash(_("No live token has this name."), "error")
        return redirect(url_for(".tokens"))
    _audit("token_revoked", name, None)
    session.commit()
    flash(_("Revoked the token %(name)s.", name=name), "success")
    return redirect(url_for(".tokens"))


def _audit(action: str, name: str, scope: str | None) -> None:
    detail = {"token": name} | ({"scope": scope} if scope else {})
    db.session.add(StaffAudit(actor_id=current_user.id, action=action, detail=detail))
