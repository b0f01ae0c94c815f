"""Commands that work in any step (report, cancel, status, help, emergency) and the language."""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from datetime import timezone

from reporting.dialogue import texts as catalogue
from reporting.dialogue.consent import ask_consent
from reporting.dialogue.consent import show_terms
from reporting.dialogue.context import Ctx
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.moves import text_reply
from reporting.dialogue.prompts import start_menu
from reporting.dialogue.values import Action
from reporting.dialogue.values import DiscardDraft
from reporting.dialogue.values import Outcome

JST = timezone(timedelta(hours=9), "JST")  # Japan keeps no daylight saving time


def _command_reply(ctx: Ctx, text: str) -> Outcome:
    """Answer a command, then prompt for the step the resident was in."""
    if ctx.state.step == "idle":
        return Outcome(state_at(ctx, "idle", {}), (text_reply(text, start_menu(ctx)),))
    return enter(ctx, ctx.state.step, ctx.draft, before=(text_reply(text),))


def _start(ctx: Ctx) -> Outcome:
    """Start a report: the current terms first, then the categories."""
    if ctx.state.step in DRAFT_STEPS:
        return enter(ctx, ctx.state.step, ctx.draft, lead=(ctx.say("in_progress"),))
    if ctx.needs_consent():
        return ask_consent(ctx, then_report=True)
    return enter(ctx, "category", {})


def _cancel(ctx: Ctx) -> Outcome:
    if ctx.state.step in DRAFT_STEPS:
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
    """Point to the phone; a report not yet begun ends here, a begun one is kept."""
    text = ctx.say("emergency", city=ctx.city_name, phone=ctx.city.emergency_phone)
    if ctx.state.step == "category":
        discard: tuple[Action, ...] = (DiscardDraft(),) if draft_photos(ctx.draft) else ()
        return Outcome(state_at(ctx, "idle", {}), (text_reply(text, start_menu(ctx)),), discard)
    return _command_reply(ctx, text)


def switch_language(ctx: Ctx, value: str) -> Outcome:
    if value not in (catalogue.JA, catalogue.EN):
        return reprompt(ctx) if ctx.state.consent_version else show_terms(ctx, False)
    ctx = replace(ctx, state=replace(ctx.state, language=value))
    notice = ctx.say("language_set")
    if ctx.state.consent_version is None or ctx.state.step == "consent":
        then = ctx.draft.get("then") == "report"
        # A newcomer gets the welcome again, now in words they read.
        newcomer = ctx.state.consent_version is None
        return ask_consent(ctx, then_report=then, lead=(notice,), welcome=newcomer)
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
