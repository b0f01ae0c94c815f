"""Staff sign-in: the login and logout pages, the language choice, and the role gate."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from functools import wraps
from typing import Any
from typing import TypeVar
from typing import cast
from urllib.parse import urlsplit

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from werkzeug.exceptions import HTTPException
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from reporting import accounts
from reporting import auth
from reporting import i18n
from reporting.db import db
from reporting.extensions import login_manager
from reporting.models import StaffUser
from reporting.staff.forms import StaffForm
from reporting.web import inputs

bp = Blueprint("auth", __name__, url_prefix="/staff")

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


@dataclass(frozen=True)
class SignedInStaff:
    """The account behind a request, as Flask-Login sees it; read fresh on every request."""

    id: int
    login: str
    display_name: str
    role: auth.Role
    department: str | None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The value Flask-Login keeps in the session."""
        return str(self.id)

    def can(self, action: str) -> bool:
        """Say whether this account's role allows the action (see ``auth.ACTIONS``)."""
        return auth.can(self.role, action)

    @classmethod
    def of(cls, user: StaffUser) -> "SignedInStaff":
        """Take the account's current name and role."""
        role = auth.Role.named(user.role)
        return cls(user.id, user.login, user.display_name, role, user.department)


# The session key holding the account's session version when the session began.
SESSION_VERSION = "staff_session"


@login_manager.user_loader
def load_user(user_id: str) -> SignedInStaff | None:
    """Reload the account on each request, so a disabled account or a new role applies at once.

    A session signed in before the account's last logout, password change, role change,
    disabling or enabling carries an older session version and is no longer signed in.
    """
    found = inputs.row_id(user_id)
    user = db.session.get(StaffUser, found) if found is not None else None
    if user is None or not user.active or session.get(SESSION_VERSION) != user.session_version:
        return None
    return SignedInStaff.of(user)


def select_locale() -> str:
    """Japanese unless this browser chose English (Flask-Babel's locale selector)."""
    return i18n.language(session.get("lang"))


def check_role(role: str) -> ResponseReturnValue | None:
    """Send the anonymous to the login page and refuse the signed-in without ``role`` (403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role < auth.Role.named(role):
        abort(403)
    return None


def role_required(role: str) -> Callable[[View], View]:
    """Decorate a view that needs at least ``role`` (``viewer``, ``staff`` or ``admin``)."""
    auth.Role.named(role)  # a misspelt role fails at import, not at the first request

    def decorate(view: View) -> View:
        @wraps(view)
        def gated(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            return check_role(role) or view(*args, **kwargs)

        return cast(View, gated)

    return decorate


class LoginForm(StaffForm):
    login = StringField(_l("Login ID"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form; sign in and go on to the page asked for."""
    target = local_path(request.values.get("next"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = auth.authenticate(
                db.session(),
                form.login.data or "",
                form.password.data or "",
                datetime.now(UTC),
                client=request.remote_addr or "unknown",
            )
        except auth.LoginRefused:
            # The failure is counted against this address. Whether the login exists is not said.
            db.session.commit()
            form.password.errors.append(_("Wrong login ID or password."))
        except auth.Throttled as throttled:
            db.session.commit()
            wait = max(1, int((throttled.until - datetime.now(UTC)).total_seconds()) + 1)
            form.password.errors.append(
                _("Too many wrong passwords from here: try again in %(seconds)s seconds.",
                  seconds=wait)
            )
            return _login_page(form, target, 429, {"Retry-After": str(wait)})
        else:
            version = user.session_version
            db.session.commit()
            _sign_in(SignedInStaff.of(user), version)
            return redirect(target or url_for("staff.map"))
    elif current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("staff.map"))
    return _login_page(form, target)


def _login_page(
    form: LoginForm, target: str | None, status: int = 200, headers: dict[str, str] | None = None
) -> ResponseReturnValue:
    page = render_template(
        "staff/login.html",
        form=form,
        next=target,
        max_failures=auth.FREE_TRIES,
        longest_wait=int(auth.LONGEST_WAIT.total_seconds() // 60),
    )
    return page, status, headers or {}


def _sign_in(staff: SignedInStaff, version: int) -> None:
    # A fresh session at sign-in: nothing set before it (a planted value) carries over.
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session.permanent = True
    session[SESSION_VERSION] = version
    login_user(staff)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out (POST only, with the CSRF token, so no link or image can sign anyone out)."""
    language = session.get("lang")
    if current_user.is_authenticated:
        # Every session of the account ends, copies of this cookie included.
        accounts.end_sessions(db.session(), accounts.get(db.session(), current_user.id))
        db.session.commit()
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def choose_language() -> ResponseReturnValue:
    """Remember the chosen language for this browser and go back to the page."""
    session["lang"] = i18n.language(request.form.get("lang"))
    return redirect(local_path(request.form.get("next")) or url_for("staff.map"))


@bp.errorhandler(400)
@bp.errorhandler(403)
def error_page(error: HTTPException) -> ResponseReturnValue:
    """Explain a refused request (403, or 400 such as a missing CSRF token) in the staff layout."""
    return render_template("staff/error.html", error=error), error.code or 500


def local_path(target: str | None) -> str | None:
    """Return ``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash and drop tabs and newlines: "/\\evil.example".
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

