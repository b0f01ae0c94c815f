"""Starting anywhere: a photo, place or message with no report in progress begins one, and a
resident back after a while is asked whether to continue their draft."""

from dataclasses import replace
from typing import Any

from reporting.dialogue.absorb import Absorbed
from reporting.dialogue.absorb import absorb
from reporting.dialogue.consent import ask_consent
from reporting.dialogue.consent import resume_held
from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import POINT_KEYS
from reporting.dialogue.draft import draft_note
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.draft import has_point
from reporting.dialogue.draft import parts
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.moves import stay
from reporting.dialogue.moves import text_reply
from reporting.dialogue.reading import excerpt
from reporting.dialogue.values import Action
from reporting.dialogue.values import DropPhoto
from reporting.dialogue.values import Image
from reporting.dialogue.values import Location
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import Text


def start_with(ctx: Ctx, event: Image | Location | Text, draft: Draft | None = None) -> Outcome:
    """Begin a report from what was sent; newcomers see the terms with it held."""
    taken = absorb(ctx, dict(draft or {}), event)
    if taken.then == "repeat":
        return Outcome(ctx.state)
    lead = taken.lead
    if isinstance(event, Text) and taken.then != "refused":
        lead = (ctx.say("started_text"),)
    if ctx.needs_consent():
        if taken.then == "wait":  # the rest of the set comes to the terms step
            held = {**parts(taken.draft), "terms": ctx.city.terms.version, "then": "report"}
            replies = tuple(text_reply(t) for t in lead)
            return Outcome(state_at(ctx, "consent", held), replies, taken.actions)
        return ask_consent(ctx, True, lead, held=parts(taken.draft), actions=taken.actions)
    return begin(ctx, Absorbed(taken.draft, lead, taken.actions, taken.then))


def begin(ctx: Ctx, taken: Absorbed) -> Outcome:
    """Go on with a report just begun: wait for its set, ask about the border, or advance."""
    if taken.then == "wait":
        return Outcome(
            state_at(ctx, "photos", taken.draft),
            tuple(text_reply(t) for t in taken.lead),
            taken.actions,
        )
    if taken.then == "border":
        return enter(ctx, "confirm_location", taken.draft, lead=taken.lead, actions=taken.actions)
    return advance(ctx, taken.draft, lead=taken.lead, actions=taken.actions)


def start_report(ctx: Ctx, draft: Draft, lead: tuple[str, ...] = ()) -> Outcome:
    """Begin a report from a tap (「通報」, urgent): the terms first if they are needed."""
    if ctx.needs_consent():
        return ask_consent(ctx, True, lead, held=draft or None)
    return advance(ctx, draft, lead=lead)


# --- a resident back after a while -------------------------------------------------------


def ask_resume(ctx: Ctx, event: Image | Location | Text) -> Outcome:
    """Ask whether to continue the draft, holding what was just sent for the one chosen."""
    draft = ctx.draft
    taken = _take_held(ctx, draft, {}, event)
    pending = taken.draft if taken.then in ("advance", "wait", "border") else {}
    draft["resume"] = {"step": ctx.state.step, "pending": pending}
    lead = taken.lead if taken.then == "refused" else ()
    if pending:
        lead += (ctx.say("resume_holding"),)
    return enter(ctx, "resume", draft, lead=lead, actions=taken.actions)


def held_in_resume(ctx: Ctx, event: Image | Location | Text) -> Outcome:
    """More sent while the question is open (the rest of an image set) joins what is held."""
    draft = ctx.draft
    resume = _resume(draft)
    taken = _take_held(ctx, draft, dict(resume["pending"]), event)
    if taken.then == "repeat":
        return Outcome(ctx.state)
    if taken.then != "refused":
        resume["pending"] = taken.draft
    draft["resume"] = resume
    if taken.then == "wait":
        return stay(ctx, draft, tuple(text_reply(t) for t in taken.lead), taken.actions)
    return enter(ctx, "resume", draft, lead=taken.lead, actions=taken.actions)


def _take_held(ctx: Ctx, draft: Draft, pending: Draft, event: Image | Location | Text) -> Absorbed:
    """Take into what is held; photos count with the draft's, so neither exceeds the limit."""
    if not isinstance(event, Image):
        return absorb(ctx, pending, event)
    before = draft_photos(draft)
    taken = absorb(ctx, {**pending, "photos": before + draft_photos(pending)}, event)
    ids = {p["message_id"] for p in before}
    held = [p for p in draft_photos(taken.draft) if p["message_id"] not in ids]
    return replace(taken, draft={**taken.draft, "photos": held})


def resume_answer(ctx: Ctx, value: str) -> Outcome:
    """Continue the draft with what was held added, or drop it and begin with what was held."""
    draft = ctx.draft
    resume = _resume(draft)
    old = {k: v for k, v in draft.items() if k != "resume"}
    pending = dict(resume["pending"])
    if value == "yes":
        merged, drops = _merge(ctx, old, pending)
        lead = (ctx.say("resumed"),)
        if not parts(pending):
            return enter(ctx, str(resume["step"]), merged, lead=lead, actions=drops)
        return resume_held(ctx, merged, lead, drops)
    if value != "no":
        return reprompt(ctx)
    return start_over(ctx, {}, (ctx.say("started_new"),))


def start_over(ctx: Ctx, extra: Draft, lead: tuple[str, ...]) -> Outcome:
    """Drop the draft waiting to be resumed, its photos too, and begin with what was held."""
    draft = ctx.draft
    old = {k: v for k, v in draft.items() if k != "resume"}
    pending = dict(_resume(draft)["pending"])
    drops = tuple(DropPhoto(p["message_id"]) for p in draft_photos(old))
    return resume_held(ctx, {**parts(pending), **extra}, lead, drops)


def _resume(draft: Draft) -> dict[str, Any]:
    raw = draft.get("resume")
    resume = dict(raw) if isinstance(raw, dict) else {}
    if not isinstance(resume.get("pending"), dict):
        resume["pending"] = {}
    if not isinstance(resume.get("step"), str):
        resume["step"] = "photos"
    return resume


def _merge(ctx: Ctx, old: Draft, pending: Draft) -> tuple[Draft, tuple[Action, ...]]:
    """The draft with what was held added: photos up to the limit, a newer place and note."""
    merged = dict(old)
    photos = draft_photos(old)
    hashes = {p["content_hash"] for p in photos}
    drops: list[Action] = []
    for photo in draft_photos(pending):
        if len(photos) < ctx.settings.max_photos and photo["content_hash"] not in hashes:
            photos.append(photo)
            hashes.add(photo["content_hash"])
        else:
            drops.append(DropPhoto(photo["message_id"]))
    merged["photos"] = photos
    if has_point(pending) or isinstance(pending.get("border_point"), dict):
        place_keys = (*POINT_KEYS, "border_point")
        merged = {k: v for k, v in merged.items() if k not in place_keys}
        merged.update({k: v for k, v in pending.items() if k in place_keys})
    note = draft_note(pending)
    if note:
        before = draft_note(old)
        whole = f"{before}\n{note}" if before else note
        merged["note"] = excerpt(whole, ctx.settings.max_note)
    if pending.get("urgent") is True:
        merged["urgent"] = True
    merged.pop("image_sets", None)
    return merged, tuple(drops)
