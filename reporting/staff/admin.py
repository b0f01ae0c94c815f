"""The admins' page for staff accounts: list, create, change role, disable, enable, unlock."""

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from reporting import accounts
from reporting.db import db
from reporting.models import STAFF_ROLES
from reporting.models import StaffUser
from reporting.staff import auth as staff_auth
from reporting.staff.forms import StaffForm
from reporting.staff.views import localtime

bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin")
bp.register_error_handler(400, staff_auth.error_page)
bp.register_error_handler(403, staff_auth.error_page)

ROLE_LABELS = {"viewer": _l("Viewer"), "staff": _l("Staff member"), "admin": _l("Administrator")}
ACTION_LABELS = {
    "created": _l("Created"),
    "role_changed": _l("Role changed"),
    "disabled": _l("Disabled"),
    "enabled": _l("Enabled"),
    "unlocked": _l("Unlocked"),
    "password_changed": _l("Password changed"),
    "locked": _l("Locked after failed logins"),
    "token_created": _l("API token created"),
    "token_revoked": _l("API token revoked"),
}
ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in STAFF_ROLES]
# What the details of an account change are called in the audit table.
DETAIL_LABELS = {
    "role": _l("Role"),
    "department": _l("Department"),
    "failures": _l("Failed logins"),
    "until": _l("Locked until"),
    "token": _l("Token"),
    "scope": _l("Scope"),
}


@bp.before_request
def admins_only() -> ResponseReturnValue | None:
    """Only admins manage accounts."""
    return staff_auth.check_role("admin")


class CreateUserForm(StaffForm):
    login = StringField(
        _l("Login ID"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z0-9._@-]{3,64}$", message=_l("3–64 letters, digits or . _ @ -")),
        ],
    )
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    department = StringField(_l("Department"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="staff")
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=12, max=1024)]
    )


class RoleForm(StaffForm):
    role = SelectField(choices=ROLE_CHOICES)


@bp.get("/users")
def users() -> ResponseReturnValue:
    """List every account, with its actions and the latest audit entries."""
    return _page(CreateUserForm())


def _page(form: CreateUserForm, status: int = 200) -> ResponseReturnValue:
    session = db.session()
    page = render_template(
        "staff/admin_users.html",
        users=session.scalars(accounts.users_query()).all(),
        audit=session.execute(accounts.audit_query()).all(),
        form=form,
        role_labels=ROLE_LABELS,
        action_labels=ACTION_LABELS,
        audit_details=audit_details,
        now=datetime.now(UTC),
        is_locked=accounts.is_locked,
    )
    return page, status


def audit_details(detail: dict[str, Any]) -> str:
    """Say an audit entry's details in words: roles by name, a change of role as from → to."""

    def role(value: Any) -> str:
        return str(ROLE_LABELS.get(value, value))

    parts = []
    if "from" in detail or "to" in detail:
        parts.append(f"{role(detail.get('from'))} → {role(detail.get('to'))}")
    for key, value in detail.items():
        if key in ("from", "to"):
            continue
        if key == "role":
            value = role(value)
        elif key == "until" and value:
            value = localtime(datetime.fromisoformat(value))
        if value is None:
            value = _("none")
        parts.append(f"{DETAIL_LABELS.get(key, key)}: {value}")
    return _(", ").join(parts)


@bp.post("/users")
def create_user() -> ResponseReturnValue:
    """Create an account from the form, or show the form again with what is wrong."""
    form = CreateUserForm()
    if not form.validate():
        return _page(form, 422)
    try:
        accounts.create_account(
            db.session(),
            current_user.id,
            login=form.login.data or "",
            password=form.password.data or "",
            role=form.role.data or "",
            display_name=form.display_name.data or "",
            department=form.department.data or None,
        )
    except accounts.LoginTaken:
        form.login.errors = [_("This login ID is taken.")]
        return _page(form, 422)
    db.session.commit()
    flash(_("Created the account %(login)s.", login=form.login.data), "success")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int) -> ResponseReturnValue:
    """Give an account another role."""
    form = RoleForm()
    if not form.validate():
        return _page(CreateUserForm(formdata=None), 422)
    role = form.role.data or ""
    return _change(user_id, lambda s, u: accounts.set_role(s, current_user.id, u, role))


@bp.post("/users/<int:user_id>/disable")
def disable(user_id: int) -> ResponseReturnValue:
    """Stop an account from signing in."""
    return _button(user_id, accounts.disable_user)


@bp.post("/users/<int:user_id>/enable")
def enable(user_id: int) -> ResponseReturnValue:
    """Let a disabled account sign in again."""
    return _button(user_id, accounts.enable_user)


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int) -> ResponseReturnValue:
    """Lift a lock from failed logins."""
    return _button(user_id, accounts.unlock_user)


# The CSRF token of these buttons is checked by CSRFProtect before the view runs.
def _button(
    user_id: int, action: Callable[[Session, int | None, StaffUser], None]
) -> ResponseReturnValue:
    return _change(user_id, lambda s, u: action(s, current_user.id, u))


def _change(user_id: int, change: Callable[[Session, StaffUser], None]) -> ResponseReturnValue:
    session = db.session()
    try:
        user = accounts.get(session, user_id)
        change(session, user)
    except accounts.UnknownAccount:
        flash(_("No such account."), "error")
    except accounts.OwnAccount:
        flash(_("You cannot disable or demote your own account."), "error")
    except accounts.LastAdmin:
        flash(_("At least one active admin must remain."), "error")
    else:
        session.commit()
        flash(_("Saved the change to %(login)s.", login=user.login), "success")
    return redirect(url_for(".users"))
