"""The terms: showing them, recording agreement to the current version, and a (re)follow."""

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


def ask_consent(ctx: Ctx, then_report: bool, lead: tuple[str, ...] = ()) -> Outcome:
    """Show the current terms; agreeing records this version and no other."""
    version = ctx.city.terms.version
    draft: Draft = {"terms": version, **({"then": "report"} if then_report else {})}
    actions: tuple[Action, ...] = (DiscardDraft(),) if ctx.state.step in DRAFT_STEPS else ()
    return enter(ctx, "consent", draft, lead=lead, actions=actions)


def consent_answer(ctx: Ctx, intent: Intent) -> Outcome:
    """Agree or decline the terms shown; an answer to older terms shows the new ones."""
    if not ctx.needs_consent():
        return reprompt(ctx)
    if intent.value not in ("yes", "no"):
        return ask_consent(ctx, ctx.draft.get("then") == "report")
    shown = intent.extra.get("v", ctx.draft.get("terms"))
    then_report = ctx.draft.get("then") == "report"
    if shown != ctx.city.terms.version:
        return ask_consent(ctx, then_report)
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
    state = state_at(ctx, "idle", {}, consent_version=version)
    text = "\n".join((thanks, ctx.say("welcome", city=ctx.city_name), ctx.say("idle")))
    return Outcome(state, (text_reply(text, start_menu(ctx)),), actions)


def follow(ctx: Ctx) -> Outcome:
    """A new or returning friend: terms if they need them, else a welcome back."""
    followed: tuple[Action, ...] = (SetFollowed(True),)
    if ctx.needs_consent():
        welcome = ctx.say("welcome", city=ctx.city_name)
        return prepend(ask_consent(ctx, False, lead=(welcome,)), (), followed)
    back = ctx.say("welcome_back")
    if ctx.state.step in DRAFT_STEPS:
        return enter(ctx, ctx.state.step, ctx.draft, lead=(back,), actions=followed)
    text = "\n".join((back, ctx.say("idle")))
    return Outcome(state_at(ctx, "idle", {}), (text_reply(text, start_menu(ctx)),), followed)
