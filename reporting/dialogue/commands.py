"""Commands that work in any step (report, cancel, status, help, emergency), urgency and the
language."""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import replace

from reporting.dialogue import texts as catalogue
from reporting.dialogue.consent import ask_consent
from reporting.dialogue.consent import show_terms
from reporting.dialogue.context import Ctx
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.draft import parts
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.moves import text_reply
from reporting.dialogue.prompts import call_button
from reporting.dialogue.prompts import start_menu
from reporting.dialogue.prompts import tap
from reporting.dialogue.start import start_over
from reporting.dialogue.start import start_report
from reporting.dialogue.values import DiscardDraft
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import QuickReply
from reporting.office_hours import JST


def _command_reply(ctx: Ctx, text: str) -> Outcome:
    """Answer a command, then prompt for the step the resident was in."""
    if ctx.state.step == "idle":
        return Outcome(state_at(ctx, "idle", {}), (text_reply(text, start_menu(ctx)),))
    return enter(ctx, ctx.state.step, ctx.draft, before=(text_reply(text),))


def _start(ctx: Ctx) -> Outcome:
    """Start a report: the current terms first, then the photo."""
    if ctx.state.step in DRAFT_STEPS:
        return enter(ctx, ctx.state.step, ctx.draft, lead=(ctx.say("in_progress"),))
    held = parts(ctx.draft) if ctx.state.step == "consent" else {}
    return start_report(ctx, held)


def _cancel(ctx: Ctx) -> Outcome:
    held = ctx.state.step == "consent" and bool(parts(ctx.draft))
    if ctx.state.step in DRAFT_STEPS or held:
        reply = text_reply(ctx.say("cancelled"), start_menu(ctx))
        return Outcome(state_at(ctx, "idle", {}), (reply,), (DiscardDraft(),))
    key = "declined" if ctx.state.step == "consent" else "nothing_to_cancel"
    return Outcome(state_at(ctx, "idle", {}), (text_reply(ctx.say(key), start_menu(ctx)),))


def _status(ctx: Ctx) -> Outcome:
    reports = ctx.facts.recent_reports[:5]
    if not reports:
        return _command_reply(ctx, ctx.say("status_none"))
    lines = [ctx.say("status_header")]
    for report in reports:
        created = report.created_at
        if created.tzinfo is not None:
            created = created.astimezone(JST)
        kind = catalogue.pick((report.category_ja, report.category_en), ctx.lang)
        sub = catalogue.pick((report.subcategory_ja or "", report.subcategory_en or ""), ctx.lang)
        if sub:
            kind = ctx.say("status_kind", category=kind, subcategory=sub)
        lines.append(
            ctx.say(
                "status_line",
                receipt=report.receipt_number,
                category=kind,
                status=catalogue.status_word(report.status, ctx.lang),
                date=created.strftime("%Y-%m-%d" if ctx.lang == catalogue.EN else "%Y/%m/%d"),
            )
        )
    return _command_reply(ctx, "\n".join(lines))


def _help(ctx: Ctx) -> Outcome:
    text = ctx.say(
        "help", max=ctx.settings.max_photos, city=ctx.city_name, phone=ctx.city.emergency_phone
    )
    return _command_reply(ctx, text)


def _emergency(ctx: Ctx) -> Outcome:
    """Point to the phone with a button that calls it; then a report may still be sent, urgent.

    A report in progress is kept: "back" returns to it.
    """
    text = ctx.say("emergency", city=ctx.city_name, phone=ctx.city.emergency_phone)
    third: QuickReply = tap(ctx, "help", "action=help")
    if ctx.state.step in DRAFT_STEPS:
        third = tap(ctx, "back", "nav=stay")
    quick = (call_button(ctx), tap(ctx, "report_urgent", "urgent=yes"), third)
    return Outcome(state_at(ctx, ctx.state.step, ctx.draft), (text_reply(text, quick),))


def urgent(ctx: Ctx, value: str) -> Outcome:
    """Send the report anyway, marked urgent: the draft in progress, or a new one."""
    if value != "yes":
        return reprompt(ctx)
    lead = (ctx.say("urgent_set"),)
    if ctx.state.step == "resume":
        # Asked whether to go on with an old draft, the resident sends what they just held.
        return start_over(ctx, {"urgent": True}, lead)
    if ctx.state.step in DRAFT_STEPS:
        return advance(ctx, {**ctx.draft, "urgent": True}, lead=lead)
    held = parts(ctx.draft) if ctx.state.step == "consent" else {}
    return start_report(ctx, {**held, "urgent": True}, lead)


def switch_language(ctx: Ctx, value: str) -> Outcome:
    if value not in (catalogue.JA, catalogue.EN):
        return reprompt(ctx) if ctx.state.consent_version else show_terms(ctx, False)
    ctx = replace(ctx, state=replace(ctx.state, language=value))
    notice = ctx.say("language_set")
    if ctx.state.consent_version is None or ctx.state.step == "consent":
        then = ctx.draft.get("then") == "report"
        # A newcomer gets the welcome again, now in words they read.
        newcomer = ctx.state.consent_version is None
        held = parts(ctx.draft) if ctx.state.step == "consent" else {}
        return ask_consent(ctx, then, (notice,), welcome=newcomer, held=held or None)
    return _command_reply(ctx, notice)


# Safety and how-to information is given even before the terms are agreed to.
UNGATED = frozenset({"emergency", "help"})
COMMANDS: Mapping[str, Callable[[Ctx], Outcome]] = {
    "report": _start,
    "cancel": _cancel,
    "status": _status,
    "help": _help,
    "emergency": _emergency,
}
