"""The staff report list, a report's page, its photos, and the triage actions posted from it."""

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from reporting import reports
from reporting.db import db
from reporting.models import REPORT_STATUSES
from reporting.models import Report
from reporting.models import Resident
from reporting.photo_store import PhotoNotFound
from reporting.problems import BadParameter
from reporting.report_filters import parse_report_filter
from reporting.staff import actions as staff_actions
from reporting.staff import queries as staff_reports
from reporting.staff.actions import ActionRefused
from reporting.staff.auth import role_required
from reporting.triage import Actor
from reporting.triage import TriageError
from reporting.triage import change_status

STATUS_LABELS = {
    "new": _l("New"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "rejected": _l("Rejected"),
    "duplicate": _l("Duplicate"),
    "referred": _l("Referred"),
}
PRIORITY_LABELS = {0: _l("None"), 1: _l("Low"), 2: _l("High"), 3: _l("Urgent")}
MANAGER_LABELS = {
    "national": _l("National road (国道)"),
    "prefectural": _l("Prefectural road (県道)"),
}
HIDE_REASON_LABELS = {
    "privacy": _l("Privacy"),
    "defamation": _l("Defamation"),
    "political_religious": _l("Political or religious activity"),
    "infringement": _l("Infringement of rights"),
    "advertising": _l("Advertising"),
    "discrimination": _l("Discrimination"),
    "public_order": _l("Public order and morals"),
    "falsehood": _l("Falsehood"),
    "obscenity": _l("Obscenity"),
    "other": _l("Other"),
}
SORT_LABELS = {
    "created": _l("Received"),
    "updated": _l("Updated"),
    "status": _l("Status"),
    "ward": _l("Ward"),
    "category": _l("Category"),
}
REFUSALS = {
    "unchanged": _l("Nothing changed: the report already is so."),
    "priority": _l("Choose a priority from 0 to 3."),
    "manager": _l("Choose the road manager to refer the report to."),
    "reason": _l("Give a reason."),
    "no_such_receipt": _l("No report has that receipt number."),
    "no_resident": _l("This report has no resident to block."),
}


def register(bp: Blueprint) -> None:
    """Add the report pages and actions to the staff blueprint."""
    bp.add_url_rule("/reports", "list", list_reports)
    bp.add_url_rule("/reports/<int:report_id>", "report", show_report)
    bp.add_url_rule("/photos/<key>", "photo", photo)
    for name, view in ACTIONS.items():
        bp.add_url_rule(
            f"/reports/<int:report_id>/{name}", f"report_{name}", view, methods=["POST"]
        )


def resident_label(resident_id: int | None, source: str = "line") -> str:
    """Name a resident to staff without their LINE user ID: 「通報者 #12」; or the channel."""
    if source == "open311":
        return "Open311"
    if resident_id is None:
        return _("No reporter")
    return _("Reporter #%(number)s", number=resident_id)


def _labels() -> dict[str, Any]:
    city = current_app.extensions["tsuho.city"]
    return {
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "manager_labels": MANAGER_LABELS,
        "hide_reason_labels": HIDE_REASON_LABELS,
        "sort_labels": SORT_LABELS,
        "categories": {c.code: c for c in city.categories},
        "resident_label": resident_label,
    }


def _list_query() -> staff_reports.ListQuery:
    city = current_app.extensions["tsuho.city"]
    args: dict[str, list[str]] = {}
    for name in ("status", "category", "ward"):
        if request.args.get(name):
            args[name] = [request.args[name]]
    start, end = request.args.get("from", ""), request.args.get("to", "")
    if start or end:
        args["datetime"] = [f"{start or '..'}/{end or '..'}"]
    try:
        report_filter = parse_report_filter(
            args, categories=[c.code for c in city.categories], wards=city.service_area
        )
    except BadParameter:
        abort(400)
    sort = request.args.get("sort", "created")
    return staff_reports.ListQuery(
        report_filter,
        receipt=request.args.get("receipt") or None,
        sort=sort if sort in staff_reports.SORTS else "created",
        descending=request.args.get("dir", "desc") != "asc",
        page=request.args.get("page", 1, type=int) or 1,
        urgent_only=request.args.get("urgent") == "1",
    )


def list_reports() -> ResponseReturnValue:
    """List reports, filtered, sorted and a page at a time, with counts per status."""
    query = _list_query()
    page = staff_reports.report_page(db.session(), query)
    city = current_app.extensions["tsuho.city"]
    areas = staff_reports.area_names(db.session(), city.service_area)
    return render_template(
        "staff/reports.html",
        page=page,
        query=query,
        areas=areas,
        statuses=REPORT_STATUSES,
        args=request.args.to_dict(),
        **_labels(),
    )


def _report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


def show_report(report_id: int) -> ResponseReturnValue:
    """Show one report: photos, place, what the resident wrote, history and near duplicates."""
    session = db.session()
    report = _report(report_id)
    areas = staff_reports.area_names(session, frozenset({report.area_code or ""}))
    resident = session.get(Resident, report.resident_id) if report.resident_id else None
    return render_template(
        "staff/report.html",
        report=report,
        area=areas.get(report.area_code or ""),
        photos=staff_reports.photos_of(session, report),
        history=staff_reports.history_of(session, report),
        nearby=staff_reports.possible_duplicates(session, report, datetime.now(UTC)),
        supporters=reports.supporter_count(session, report.id),
        resident_blocked=resident is not None and resident.blocked,
        statuses=REPORT_STATUSES,
        hide_reasons=staff_actions.HIDE_REASONS,
        **_labels(),
    )


def photo(key: str) -> ResponseReturnValue:
    """Send a stored photo or thumbnail to a signed-in staff member, never to a shared cache."""
    try:
        file = current_app.extensions["tsuho.photos"].open(key)
    except PhotoNotFound:  # InvalidPhotoKey included: a bad key names no photo
        abort(404)
    response: Response = send_file(file, mimetype="image/jpeg", max_age=3600)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


Action = Callable[[Report, Actor, datetime], str]


def _act(report_id: int, action: Action) -> ResponseReturnValue:
    """Run one action on the report, commit it, and say what happened."""
    report = _report(report_id)
    try:
        message = action(report, Actor(current_user.id), datetime.now(UTC))
    except ActionRefused as refused:
        db.session.rollback()
        flash(str(REFUSALS[refused.code]), "error")
    except TriageError:
        db.session.rollback()
        flash(_("The status cannot be changed that way."), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("staff.report", report_id=report_id))


def _note() -> str | None:
    return request.form.get("note", "").strip() or None


def _notify() -> bool:
    return request.form.get("notify") == "1"


def _status(report: Report, actor: Actor, now: datetime) -> str:
    status = request.form.get("status", "")
    if status in ("duplicate", "referred") or status not in REPORT_STATUSES:
        # Duplicates and referrals have their own forms: they need the report or the manager.
        raise TriageError(status)
    change_status(
        db.session(), current_app.extensions["tsuho.defer"], current_app.extensions["tsuho.city"],
        report, status, actor=actor, now=now, note=_note(), notify=_notify(),
    )
    return _("Status changed to %(status)s.", status=STATUS_LABELS[status])


def _department(report: Report, actor: Actor, now: datetime) -> str:
    department = request.form.get("department")
    staff_actions.assign_department(db.session(), report, department, actor=actor, now=now)
    return _("Department changed.")


def _priority(report: Report, actor: Actor, now: datetime) -> str:
    priority = request.form.get("priority", type=int)
    staff_actions.set_priority(db.session(), report, -1 if priority is None else priority,
                               actor=actor, now=now)
    return _("Priority changed.")


def _duplicate(report: Report, actor: Actor, now: datetime) -> str:
    receipt = request.form.get("receipt", "")
    staff_actions.mark_duplicate(
        db.session(), current_app.extensions["tsuho.defer"], current_app.extensions["tsuho.city"],
        report, receipt, actor=actor, now=now, note=_note(), notify=_notify(),
    )
    return _("Marked as a duplicate of %(receipt)s.", receipt=receipt.strip())


def _refer(report: Report, actor: Actor, now: datetime) -> str:
    manager = request.form.get("manager", "")
    staff_actions.refer(
        db.session(), current_app.extensions["tsuho.defer"], current_app.extensions["tsuho.city"],
        report, manager, actor=actor, now=now, note=_note(), notify=_notify(),
    )
    return _("Referred to: %(manager)s.", manager=MANAGER_LABELS[manager])


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


def _post(action: Action) -> Callable[[int], ResponseReturnValue]:
    @role_required("staff")
    def view(report_id: int) -> ResponseReturnValue:
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
    }.items()
}
