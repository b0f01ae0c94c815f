"""The terms: showing them, holding a report begun before agreeing, and a (re)follow."""

from dataclasses import replace
from typing import Any

from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.draft import parts
from reporting.dialogue.moves import advance
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
    ctx: Ctx,
    then_report: bool,
    lead: tuple[str, ...] = (),
    *,
    welcome: bool = False,
    held: Draft | None = None,
    actions: tuple[Action, ...] = (),
) -> Outcome:
    """Show the current terms; agreeing records this version and no other.

    ``held`` is a report begun before agreeing (a photo sent first, say): kept in the step and
    taken up on agreement. The welcome, when asked for, comes with the terms.
    """
    version = ctx.city.terms.version
    draft: Draft = {**(held or {}), "terms": version}
    if then_report or held:
        draft["then"] = "report"
    if ctx.state.step in DRAFT_STEPS and held is None:
        actions = (DiscardDraft(), *actions)
    if welcome:
        lead += (ctx.say("welcome", city=ctx.city_name),)
    if held:
        lead += (ctx.say("terms_holding"),)
    return enter(ctx, "consent", draft, lead=lead, actions=actions)


def show_terms(ctx: Ctx, then_report: bool) -> Outcome:
    """The terms, with the welcome for a newcomer not already looking at them."""
    newcomer = ctx.state.consent_version is None and ctx.state.step != "consent"
    held = parts(ctx.draft) if ctx.state.step == "consent" else None
    return ask_consent(ctx, then_report, welcome=newcomer, held=held or None)


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
    held = parts(ctx.draft) if ctx.state.step == "consent" else {}
    if intent.value == "no":
        reply = text_reply(ctx.say("declined"), start_menu(ctx))
        discard: tuple[Action, ...] = (DiscardDraft(),) if drafting or held else ()
        return Outcome(state_at(ctx, "idle", {}), (reply,), discard)
    version = ctx.city.terms.version
    actions: tuple[Action, ...] = (RecordConsent(version),)
    thanks = ctx.say("consent_thanks")
    if drafting:
        step, draft = ctx.state.step, ctx.draft
        return enter(ctx, step, draft, lead=(thanks,), actions=actions, consent_version=version)
    if then_report:
        return resume_held(ctx, held, (thanks,), actions, consent_version=version)
    # The welcome came with the terms, just above: not again.
    state = state_at(ctx, "idle", {}, consent_version=version)
    menu = start_menu(replace(ctx, state=state))
    return Outcome(state, (text_reply("\n".join((thanks, ctx.say("idle"))), menu),), actions)


def resume_held(
    ctx: Ctx, held: Draft, lead: tuple[str, ...], actions: tuple[Action, ...], **changes: Any
) -> Outcome:
    """Take up a report held while the terms were shown, asking for what it still lacks."""
    if isinstance(held.get("border_point"), dict):
        return enter(ctx, "confirm_location", held, lead=lead, actions=actions, **changes)
    return advance(ctx, held, lead=lead, actions=actions, **changes)


def follow(ctx: Ctx) -> Outcome:
    """A new or returning friend: terms if they need them, else a welcome back."""
    followed: tuple[Action, ...] = (SetFollowed(True),)
    if ctx.needs_consent():
        held = parts(ctx.draft) if ctx.state.step == "consent" else None
        return prepend(ask_consent(ctx, False, welcome=True, held=held or None), (), followed)
    back = ctx.say("welcome_back")
    if ctx.state.step in DRAFT_STEPS:
        return enter(ctx, ctx.state.step, ctx.draft, lead=(back,), actions=followed)
    text = "\n".join((back, ctx.say("idle")))
    return Outcome(state_at(ctx, "idle", {}), (text_reply(text, start_menu(ctx)),), followed)
