"""A photo, a place or a message taken into a draft, wherever the resident sent it.

Each returns what it did (``Absorbed``); the step it came in decides where to go next.
"""

from dataclasses import dataclass
from typing import Literal

from reporting.city_profile import CityProfile
from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import draft_kind
from reporting.dialogue.draft import draft_note
from reporting.dialogue.draft import has_point
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import stay
from reporting.dialogue.moves import text_reply
from reporting.dialogue.photos import take
from reporting.dialogue.place import place_point
from reporting.dialogue.reading import clean
from reporting.dialogue.reading import norm
from reporting.dialogue.values import Action
from reporting.dialogue.values import Image
from reporting.dialogue.values import Location
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import Text

Then = Literal["advance", "wait", "border", "refused", "repeat"]
# Steps that ask a question of their own: a photo or a note sent there asks it again.
_STICKY = frozenset({"confirm_location", "same", "note"})


@dataclass(frozen=True)
class Absorbed:
    draft: Draft
    lead: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    then: Then = "advance"


def absorb(ctx: Ctx, draft: Draft, event: Image | Location | Text) -> Absorbed:
    """Take what the event brings into the draft."""
    if isinstance(event, Image):
        taken = take(ctx, draft, event)
        then: Then = "repeat" if taken.repeat else "wait" if taken.waiting else "advance"
        return Absorbed(taken.draft, taken.lead, taken.actions, then)
    if isinstance(event, Location):
        placed = place_point(ctx, draft, event)
        verdict = placed.verdict
        return Absorbed(placed.draft, placed.lead, (), "advance" if verdict == "ok" else verdict)
    return add_note(ctx, draft, event.text)


def add_note(ctx: Ctx, draft: Draft, text: str, *, replace: bool = False) -> Absorbed:
    """Keep a message as the note (after any earlier one), whatever it says; only its length
    is judged. Words that name a kind suggest it, for the resident to confirm later."""
    note = clean(text)
    if not note:
        return Absorbed(draft, (), (), "refused")
    before = draft_note(draft)
    whole = f"{before}\n{note}" if before and not replace else note
    if len(whole) > ctx.settings.max_note:
        lead = ctx.say("note_too_long", max=ctx.settings.max_note, length=len(whole))
        return Absorbed(draft, (lead,), (), "refused")
    draft = {**draft, "note": whole}
    if draft_kind(ctx.city, draft) is None and "suggested" not in draft:
        suggested = suggest_kind(ctx.city, note)
        if suggested is not None:
            draft["suggested"] = suggested
    return Absorbed(draft, (ctx.say("note_kept"),))


def suggest_kind(city: CityProfile, text: str) -> str | None:
    """The first kind (common ones first) one of whose words the text contains."""
    folded = norm(text)
    for kind in city.kinds:
        if any(norm(word) in folded for word in kind.subcategory.words):
            return kind.code
    return None


def go_on(ctx: Ctx, absorbed: Absorbed) -> Outcome:
    """Carry on in a draft step after what the resident sent was taken in (or not)."""
    step, draft, lead = ctx.state.step, absorbed.draft, absorbed.lead
    actions = absorbed.actions
    if absorbed.then == "repeat":
        return Outcome(ctx.state)
    if absorbed.then == "wait":
        return stay(ctx, draft, tuple(text_reply(t) for t in lead), actions)
    if absorbed.then == "border":
        return enter(ctx, "confirm_location", draft, lead=lead, actions=actions)
    if absorbed.then == "refused":  # a place: a refused note is answered by its step
        target = step if has_point(draft) or step in _STICKY else "location"
        return enter(ctx, target, draft, lead=lead, actions=actions)
    if step in _STICKY:
        return enter(ctx, step, draft, lead=lead, actions=actions)
    return advance(ctx, draft, lead=lead, actions=actions)
