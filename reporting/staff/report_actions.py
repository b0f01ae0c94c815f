"""The triage actions posted from a report's page, and the bulk changes posted from the list.

Each posts to a URL carrying the list's filters, and returns to the page it came from with
them: a report's page, or the list.
"""

from collections.abc import Callable
from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from reporting.db import db
from reporting.models import Photo
from reporting.models import Report
from reporting.notifications import MessageRefused
from reporting.photos import records as photo_records
from reporting.photos.cleaning import PhotoRejected
from reporting.staff import actions as staff_actions
from reporting.staff.actions import ActionRefused
from reporting.staff.auth import role_required
from reporting.staff.reports import FORM_STATUSES
from reporting.staff.reports import list_query
from reporting.staff.reports import load_report
from reporting.staff.words import page_words
from reporting.triage import Actor
from reporting.triage import Notice
from reporting.triage import TriageError
from reporting.triage import change_status
from reporting.triage import change_statuses
from reporting.web import inputs

REFUSALS = {
    "unchanged": _l("Nothing changed: the report already is so."),
    "priority": _l("Choose a priority."),
    "manager": _l("Choose the road manager to refer the report to."),
    "reason": _l("Please give a reason."),
    "no_such_receipt": _l("No report has that receipt number."),
    "itself": _l("A report cannot be a duplicate of itself."),
    "no_resident": _l("This report has no resident to block."),
    "message_length": _l("The message to the resident is too long: LINE shows at most 5,000 "
                         "characters."),
    "message_characters": _l("The message to the resident holds characters LINE cannot show."),
    "no_reports": _l("Tick the reports to change first."),
    "answer_length": _l("The public answer is too long: at most 2,000 characters."),
    "no_photo": _l("That photo is not one of this report's photos from the resident."),
    "text_length": _l("The text is too long: a note or a reason holds at most 4,000 characters."),
}
# Free-text fields of the actions and their longest value (the message to the resident has
# its own limit, LINE's). A longer value is refused with the form's error, nothing saved.
TEXT_FIELDS = {"note": 4000, "reason": 4000, "receipt": 64, "department": 64, "manager": 64}
# A phone photo is a few megabytes; the photo pipeline refuses anything over 20 MB.
MAX_UPLOAD = 25 * 1024 * 1024
MAX_BULK = 200

Action = Callable[[Report, Actor, datetime], str]


def register(bp: Blueprint) -> None:
    """Add the actions to the staff blueprint."""
    for name, view in ACTIONS.items():
        bp.add_url_rule(
            f"/reports/<int:report_id>/{name}", f"report_{name}", view, methods=["POST"]
        )
    bp.add_url_rule("/reports/bulk", "bulk", bulk, methods=["POST"])


def _act(report_id: int, action: Action) -> ResponseReturnValue:
    """Run one action on the report, commit it, and say what happened."""
    report = load_report(report_id)
    back = url_for("staff.report", report_id=report_id, **list_query().args())
    try:
        _check_lengths()
        message = action(report, Actor(current_user.id), datetime.now(UTC))
    except (ActionRefused, MessageRefused) as refused:
        db.session.rollback()
        flash(str(REFUSALS[refused.code]), "error")
    except PhotoRejected as rejected:
        db.session.rollback()
        english = page_words().language == "en"
        flash(rejected.message_en if english else rejected.message_ja, "error")
    except TriageError:
        db.session.rollback()
        flash(_("The status cannot be changed that way."), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(back)


def _check_lengths() -> None:
    for name, longest in TEXT_FIELDS.items():
        if len(request.form.get(name, "")) > longest:
            raise ActionRefused("text_length")


def _note() -> str | None:
    return request.form.get("note", "").strip() or None


def _notice(photo: Photo | None = None) -> Notice:
    return Notice(
        notify=request.form.get("notify") == "1",
        message=request.form.get("message"),
        photo=photo,
    )


def _told(event_data: dict) -> str:
    return " " + _("The resident will be told on LINE.") if event_data.get("notified") else ""


def _after_repair_photo(report: Report, status: str) -> Photo | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    if status != "resolved":
        raise TriageError("an after-repair photo goes with a resolution only")
    return photo_records.store_after_repair_photo(
        db.session(), current_app.extensions["tsuho.photos"], upload.read(MAX_UPLOAD + 1),
        report_id=report.id,
    )  # fmt: skip


def _status(report: Report, actor: Actor, now: datetime) -> str:
    status = request.form.get("status", "")
    if status not in FORM_STATUSES:
        raise TriageError(status)
    if status == report.status:
        raise ActionRefused("unchanged")
    photo = _after_repair_photo(report, status)
    event = change_status(
        db.session(), current_app.extensions["tsuho.defer"], current_app.extensions["tsuho.city"],
        report, status, actor=actor, now=now, note=_note(), notice=_notice(photo),
    )  # fmt: skip
    return _("Status changed to %(status)s.", status=page_words().status(status)) + _told(
        event.data
    )


def _department(report: Report, actor: Actor, now: datetime) -> str:
    department = request.form.get("department")
    staff_actions.assign_department(db.session(), report, department, actor=actor, now=now)
    return _("Department changed.")


def _priority(report: Report, actor: Actor, now: datetime) -> str:
    priority = request.form.get("priority", type=int)
    staff_actions.set_priority(db.session(), report, -1 if priority is None else priority,
                               actor=actor, now=now)  # fmt: skip
    return _("Priority changed.")


def _duplicate(report: Report, actor: Actor, now: datetime) -> str:
    receipt = request.form.get("receipt", "").strip()
    event = staff_actions.mark_duplicate(
        db.session(), current_app.extensions["tsuho.defer"], current_app.extensions["tsuho.city"],
        report, receipt, actor=actor, now=now, note=_note(), notice=_notice(),
    )  # fmt: skip
    return _("Marked as a duplicate of %(receipt)s.", receipt=receipt) + _told(event.data)


def _refer(report: Report, actor: Actor, now: datetime) -> str:
    manager = request.form.get("manager", "")
    event = staff_actions.refer(
        db.session(), current_app.extensions["tsuho.defer"], current_app.extensions["tsuho.city"],
        report, manager, actor=actor, now=now, note=_note(), notice=_notice(),
    )  # fmt: skip
    named = page_words().managers[manager]
    return _("Referred to %(manager)s.", manager=named) + _told(event.data)


def _hide(report: Report, actor: Actor, now: datetime) -> str:
    staff_actions.hide(db.session(), report, request.form.get("reason", ""), actor=actor, now=now)
    return _("The report is hidden from the public.")


def _unhide(report: Report, actor: Actor, now: datetime) -> str:
    staff_actions.unhide(db.session(), report, actor=actor, now=now)
    return _("The report is public again.")


def _block(report: Report, actor: Actor, now: datetime) -> str:
    reason = request.form.get("reason", "")
    staff_actions.block_resident(db.session(), report, reason, actor=actor, now=now)
    return _("The reporter is blocked.")


def _unblock(report: Report, actor: Actor, now: datetime) -> str:
    staff_actions.unblock_resident(db.session(), report, actor=actor, now=now)
    return _("The reporter is unblocked.")


def _public_answer(report: Report, actor: Actor, now: datetime) -> str:
    answer = request.form.get("public_answer", "")
    staff_actions.set_public_answer(db.session(), report, answer, actor=actor, now=now)
    return _("The public answer is saved.") if report.public_answer else _(
        "The public answer is removed."
    )


def _publish_photo(report: Report, actor: Actor, now: datetime) -> str:
    photo_id = request.form.get("photo", "")
    if not photo_id.isdigit() or len(photo_id) > 18:
        raise ActionRefused("no_photo")
    published = request.form.get("published") == "1"
    staff_actions.publish_photo(
        db.session(), report, int(photo_id), published, actor=actor, now=now
    )
    if published:
        return _("The photo is shown on the public site.")
    return _("The photo is no longer shown on the public site.")


def _post(action: Action) -> Callable[[int], ResponseReturnValue]:
    @role_required("staff")
    def view(report_id: int) -> ResponseReturnValue:
        if action is _status:
            request.max_content_length = MAX_UPLOAD
        return _act(report_id, action)

    view.__doc__ = action.__name__
    return view


ACTIONS = {
    name: _post(action)
    for name, action in {
        "status": _status,
        "department": _department,
        "priority": _priority,
        "duplicate": _duplicate,
        "refer": _refer,
        "hide": _hide,
        "unhide": _unhide,
        "block": _block,
        "unblock": _unblock,
        "public_answer": _public_answer,
        "publish_photo": _publish_photo,
    }.items()
}


def _chosen_reports() -> list[Report]:
    ids = [inputs.row_id(text) for text in request.form.getlist("report")]
    if not ids or len(ids) > MAX_BULK or None in ids:
        raise ActionRefused("no_reports")
    found = db.session.scalars(
        select(Report).where(Report.id.in_(ids)).order_by(Report.id)
    ).all()
    if len(found) != len(set(ids)):
        abort(404)
    return list(found)


@role_required("staff")
def bulk() -> ResponseReturnValue:
    """Change the status, department or priority of the ticked reports, each audited."""
    back = url_for("staff.list", **list_query().args())
    now, actor, session = datetime.now(UTC), Actor(current_user.id), db.session()
    change = request.form.get("change", "")
    try:
        _check_lengths()
        reports = _chosen_reports()
        if change == "status":
            outcome = change_statuses(
                session, current_app.extensions["tsuho.defer"],
                current_app.extensions["tsuho.city"], reports, request.form.get("status", ""),
                actor=actor, now=now, notify=request.form.get("notify") == "1",
            )  # fmt: skip
        elif change == "department":
            department = request.form.get("department")
            outcome = staff_actions.each(reports, lambda r: staff_actions.assign_department(
                session, r, department, actor=actor, now=now))  # fmt: skip
        elif change == "priority":
            priority = request.form.get("priority", -1, type=int)
            outcome = staff_actions.each(reports, lambda r: staff_actions.set_priority(
                session, r, priority, actor=actor, now=now))  # fmt: skip
        else:
            abort(400)
    except ActionRefused as refused:
        session.rollback()
        flash(str(REFUSALS[refused.code]), "error")
        return redirect(back)
    except TriageError:
        session.rollback()
        flash(_("The status cannot be changed that way."), "error")
        return redirect(back)
    session.commit()
    flash(_("Reports changed: %(count)s.", count=len(outcome.changed))
          + (" " + _("%(count)s already so.", count=len(outcome.unchanged))
             if outcome.unchanged else "")
          + (" " + _("%(count)s residents will be told on LINE.", count=outcome.notified)
             if outcome.notified else ""), "success")  # fmt: skip
    return redirect(back)
