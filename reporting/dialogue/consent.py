"""The terms: showing them, recording agreement to the current version, and a (re)follow."""

from dataclasses import replace

from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import prepend
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.moves import text_reply
from reporting.dialogue.prompts import start_menu
from reporting.dialogue.reading import Intent
from reporting.dialogue.values import Action
from reporting.dialogue.values import DiscardDraft
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import RecordConsent
from reporting.dialogue.values import SetFollowed


def ask_consent(
    ctx: Ctx, then_report: bool, lead: tuple[str, ...] = (), *, welcome: bool = False
) -> Outcome:
    """Show the current terms; agreeing records this version and no other.

    The welcome, when asked for, comes with the terms: agreeing to them only says thanks.
    """
    version = ctx.city.terms.version
    draft: Draft = {"terms": version, **({"then": "report"} if then_report else {})}
    actions: tuple[Action, ...] = (DiscardDraft(),) if ctx.state.step in DRAFT_STEPS else ()
    if welcome:
        lead += (ctx.say("welcome", city=ctx.city_name),)
    return enter(ctx, "consent", draft, lead=lead, actions=actions)


def show_terms(ctx: Ctx, then_report: bool) -> Outcome:
    """The terms, with the welcome for a newcomer not already looking at them."""
    newcomer = ctx.state.consent_version is None and ctx.state.step != "consent"
    return ask_consent(ctx, then_report, welcome=newcomer)


def consent_answer(ctx: Ctx, intent: Intent) -> Outcome:
    """Agree or decline the terms shown; an answer to older terms shows the new ones."""
    if not ctx.needs_consent():
        return reprompt(ctx)
    then_report = ctx.draft.get("then") == "report"
    if intent.value not in ("yes", "no"):
        return show_terms(ctx, then_report)
    shown = intent.extra.get("v", ctx.draft.get("terms"))
    if shown != ctx.city.terms.version:
        return show_terms(ctx, then_report)
    drafting = ctx.state.step in DRAFT_STEPS  # the terms changed after the draft began
    if intent.value == "no":
        reply = text_reply(ctx.say("declined"), start_menu(ctx))
        return Outcome(state_at(ctx, "idle", {}), (reply,), (DiscardDraft(),) if drafting else ())
    version = ctx.city.terms.version
    actions: tuple[Action, ...] = (RecordConsent(version),)
    thanks = ctx.say("consent_thanks")
    if drafting:
        step, draft = ctx.state.step, ctx.draft
        return enter(ctx, step, draft, lead=(thanks,), actions=actions, consent_version=version)
    if then_report:
        return enter(ctx, "category", {}, lead=(thanks,), actions=actions, consent_version=version)
    # The welcome came with the terms, just above: not again.
    state = state_at(ctx, "idle", {}, consent_version=version)
    menu = start_menu(replace(ctx, state=state))
    return Outcome(state, (text_reply("\n".join((thanks, ctx.say("idle"))), menu),), actions)


def follow(ctx: Ctx) -> Outcome:
    """A new or returning friend: terms if they need them, else a welcome back."""
    followed: tuple[Action, ...] = (SetFollowed(True),)
    if ctx.needs_consent():
        return prepend(ask_consent(ctx, False, welcome=True), (), followed)
    back = ctx.say("welcome_back")
    if ctx.state.step in DRAFT_STEPS:
        return enter(ctx, ctx.state.step, ctx.draft, lead=(back,), actions=followed)
    text = "\n".join((back, ctx.say("idle")))
    return Outcome(state_at(ctx, "idle", {}), (text_reply(text, start_menu(ctx)),), followed)
