"""``handle``: one event in, one outcome out; blocked residents, expiry, then routing."""

from dataclasses import replace
from datetime import datetime

from reporting.city_profile import CityProfile
from reporting.dialogue.commands import COMMANDS
from reporting.dialogue.commands import UNGATED
from reporting.dialogue.commands import switch_language
from reporting.dialogue.commands import urgent
from reporting.dialogue.consent import consent_answer
from reporting.dialogue.consent import follow
from reporting.dialogue.consent import show_terms
from reporting.dialogue.context import Ctx
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import prepend
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.moves import text_reply
from reporting.dialogue.photos import unsend_photo
from reporting.dialogue.prompts import start_menu
from reporting.dialogue.reading import COMMAND_LENGTH
from reporting.dialogue.reading import GLOBAL_WORDS
from reporting.dialogue.reading import WORDS
from reporting.dialogue.reading import Intent
from reporting.dialogue.reading import norm
from reporting.dialogue.reading import parse_postback
from reporting.dialogue.start import ask_resume
from reporting.dialogue.start import start_with
from reporting.dialogue.steps import STEPS
from reporting.dialogue.values import DEFAULT_SETTINGS
from reporting.dialogue.values import MESSAGE_KINDS
from reporting.dialogue.values import Action
from reporting.dialogue.values import DiscardDraft
from reporting.dialogue.values import Event
from reporting.dialogue.values import Facts
from reporting.dialogue.values import Follow
from reporting.dialogue.values import Image
from reporting.dialogue.values import Location
from reporting.dialogue.values import NotifyBlocked
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import Postback
from reporting.dialogue.values import Reply
from reporting.dialogue.values import SetFollowed
from reporting.dialogue.values import Settings
from reporting.dialogue.values import State
from reporting.dialogue.values import Text
from reporting.dialogue.values import Unfollow
from reporting.dialogue.values import Unsend
from reporting.dialogue.values import Unsupported


def handle(
    state: State,
    event: Event,
    facts: Facts,
    city: CityProfile,
    now: datetime,
    settings: Settings = DEFAULT_SETTINGS,
) -> Outcome:
    """Answer one event from one resident: the new state, the replies, the actions."""
    ctx = Ctx(state, event, facts, city, now, settings)
    if state.blocked:
        return _blocked(ctx)
    if isinstance(event, Unfollow):
        return _unfollow(ctx)
    if isinstance(event, Unsend):
        return unsend_photo(ctx, event)
    if not _replyable(event):
        return Outcome(state)
    if _expired(ctx):
        hours = int(settings.draft_idle_timeout.total_seconds() // 3600)
        notice = Reply(ctx.say("expired", hours=hours))
        ctx = replace(ctx, state=replace(state, step="idle", draft={}))
        return prepend(_dispatch(ctx), (notice,), (DiscardDraft(),))
    return _dispatch(ctx)


def _replyable(event: Event) -> bool:
    """LINE gives a reply token with these events only (of those the dialogue answers)."""
    if isinstance(event, Unsupported):
        return event.kind in MESSAGE_KINDS
    return not isinstance(event, Unfollow | Unsend)


def _idle_for(ctx: Ctx) -> float:
    """Seconds since the conversation last changed; 0 when unknown."""
    updated = ctx.state.updated_at
    return (ctx.now - updated).total_seconds() if updated is not None else 0.0


def _expired(ctx: Ctx) -> bool:
    """A draft left alone too long (or in a step this version does not know) is dropped."""
    state = ctx.state
    if state.step in ("idle", "consent"):
        return False
    if state.step not in DRAFT_STEPS:
        return True
    return _idle_for(ctx) > ctx.settings.draft_idle_timeout.total_seconds()


def _returning(ctx: Ctx) -> bool:
    """A resident back to a draft after a while, who is asked before it goes on."""
    step = ctx.state.step
    return (
        step in DRAFT_STEPS
        and step != "resume"
        and _idle_for(ctx) > ctx.settings.resume_after.total_seconds()
    )


def _blocked(ctx: Ctx) -> Outcome:
    """A blocked resident hears it once, and nothing they send is kept."""
    if ctx.state.blocked_notified or not _replyable(ctx.event):
        return Outcome(ctx.state)
    notice = Reply(ctx.say("blocked", city=ctx.city_name, phone=ctx.city.contact_phone))
    return Outcome(replace(ctx.state, blocked_notified=True), (notice,), (NotifyBlocked(),))


def _unfollow(ctx: Ctx) -> Outcome:
    """The resident blocked the account: no reply is possible, and their draft goes."""
    actions: tuple[Action, ...] = (SetFollowed(False),)
    if ctx.state.step != "idle":
        actions += (DiscardDraft(),)
    return Outcome(state_at(ctx, "idle", {}), (), actions)


def _dispatch(ctx: Ctx) -> Outcome:
    """Route an answerable event: consent, commands, starting, then the step's own table."""
    event, step = ctx.event, ctx.state.step
    if isinstance(event, Follow):
        return follow(ctx)
    intent = _intent(ctx)
    if intent is not None:
        if intent.key == "consent":
            return consent_answer(ctx, intent)
        if intent.key == "lang":
            return switch_language(ctx, intent.value)
        if intent.key == "action" and intent.value in UNGATED:
            return COMMANDS[intent.value](ctx)
        if intent.key == "urgent":
            return urgent(ctx, intent.value)
    starts = event if intent is None and isinstance(event, Image | Location | Text) else None
    if ctx.state.consent_version is None or step == "consent":
        if starts is not None:
            return start_with(ctx, starts, ctx.draft if step == "consent" else None)
        if intent is not None and intent.key == "action" and ctx.state.consent_version:
            # Agreement to older terms still allows status and the rest while new ones show.
            command = COMMANDS.get(intent.value)
            return command(ctx) if command else reprompt(ctx)
        wants_report = intent is not None and (intent.key, intent.value) == ("action", "report")
        return show_terms(ctx, then_report=wants_report or ctx.draft.get("then") == "report")
    if intent is not None and intent.key == "action":
        command = COMMANDS.get(intent.value)
        return command(ctx) if command else reprompt(ctx)
    if step == "idle":
        return _idle(ctx, intent)
    if starts is not None and _returning(ctx):
        return ask_resume(ctx, starts)
    spec = STEPS[step]
    if intent is not None:
        choose = spec.choices.get(intent.key)
        return choose(ctx, intent.value) if choose else reprompt(ctx)
    if isinstance(event, Text) and spec.text is not None:
        return spec.text(ctx, event.text)
    if isinstance(event, Image):
        return spec.image(ctx, event)
    if isinstance(event, Location):
        return spec.location(ctx, event)
    if isinstance(event, Unsupported):
        return enter(ctx, step, ctx.draft, lead=(ctx.say("unsupported"),))
    return enter(ctx, step, ctx.draft, lead=(ctx.say("not_understood"),))


def _idle(ctx: Ctx, intent: Intent | None) -> Outcome:
    """No report in progress: a photo, place or message begins one; thanks are thanked."""
    event = ctx.event
    if isinstance(event, Text) and norm(event.text) in WORDS["thanks"]:
        return Outcome(state_at(ctx, "idle", {}), (text_reply(ctx.say("thanks"), start_menu(ctx)),))
    if isinstance(event, Text) and norm(event.text) in _ANY_WORD:
        return enter(ctx, "idle", {})  # a stray 「はい」 or 「次へ」 begins no report
    if intent is None and isinstance(event, Image | Location | Text):
        return start_with(ctx, event)
    if isinstance(event, Unsupported):
        lead = ctx.say("unsupported")
        return Outcome(state_at(ctx, "idle", {}), (text_reply(lead, start_menu(ctx)),))
    return enter(ctx, "idle", {}, lead=(ctx.say("not_understood"),) if intent else ())


_ANY_WORD = frozenset().union(*WORDS.values())


def _intent(ctx: Ctx) -> Intent | None:
    """What a tap or a typed command means; None for anything else (data, photos, places)."""
    event = ctx.event
    if isinstance(event, Postback):
        return parse_postback(event.data)
    if not isinstance(event, Text) or len(event.text) > COMMAND_LENGTH:
        return None
    typed = norm(event.text)
    for key, intent in GLOBAL_WORDS:
        if typed in WORDS[key]:
            return intent
    step = ctx.state.step
    return STEPS[step].words(ctx, typed) if step in STEPS else None
