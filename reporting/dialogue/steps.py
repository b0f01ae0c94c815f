"""How each step takes its answers: the step table, and the kind, same, note and confirm steps.

A step's prompt is in ``prompts``; photos, the place and starting have modules of their own.
"""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from reporting.dialogue.absorb import absorb
from reporting.dialogue.absorb import add_note
from reporting.dialogue.absorb import go_on
from reporting.dialogue.context import Ctx
from reporting.dialogue.draft import POINT_KEYS
from reporting.dialogue.draft import PREVIOUS
from reporting.dialogue.draft import draft_list
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.draft import first_missing
from reporting.dialogue.draft import kind_label
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.moves import text_reply
from reporting.dialogue.photos import photos_answer
from reporting.dialogue.photos import photos_next
from reporting.dialogue.place import border_answer
from reporting.dialogue.place import location_in_step
from reporting.dialogue.prompts import start_menu
from reporting.dialogue.reading import WORDS
from reporting.dialogue.reading import Intent
from reporting.dialogue.reading import norm
from reporting.dialogue.reading import word
from reporting.dialogue.start import held_in_resume
from reporting.dialogue.start import resume_answer
from reporting.dialogue.values import CreateReport
from reporting.dialogue.values import DiscardDraft
from reporting.dialogue.values import Image
from reporting.dialogue.values import JoinReport
from reporting.dialogue.values import Location
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import Text

# --- moving between steps ----------------------------------------------------------------


def navigate(ctx: Ctx, value: str) -> Outcome:
    """Back to the step before (its answer kept, to change it), on, or the same step again."""
    if value == "back" and ctx.state.step in PREVIOUS:
        return enter(ctx, PREVIOUS[ctx.state.step], ctx.draft)
    if value == "next":
        return photos_next(ctx)
    return reprompt(ctx)


def _edit(ctx: Ctx, value: str) -> Outcome:
    """At the confirmation, change one part alone; the rest is kept."""
    steps = {"kind": "kind", "photos": "photos", "location": "location", "note": "note"}
    step = steps.get(value)
    return enter(ctx, step, ctx.draft) if step else reprompt(ctx)


# --- the kind -------------------------------------------------------------------------------


def _kind_words(ctx: Ctx, typed: str) -> Intent | None:
    if typed in WORDS["other"]:
        return Intent("kind", "other")
    for kind in ctx.city.kinds:
        sub = kind.subcategory
        if typed in (norm(sub.ja), norm(sub.en), norm(kind_label(ctx, kind))):
            return Intent("kind", kind.code)
    return None


def _choose_kind(ctx: Ctx, code: str) -> Outcome:
    if code == "other":
        return enter(ctx, "kind_other", ctx.draft)
    kind = ctx.city.kind(code)
    if kind is None:
        return reprompt(ctx)
    draft = {k: v for k, v in ctx.draft.items() if k not in ("suggested", "same_as")}
    draft.update(category=kind.category.code, subcategory=kind.subcategory.code)
    return advance(ctx, draft)


# --- an open report of the same kind nearby ----------------------------------------------


def _same_answer(ctx: Ctx, value: str) -> Outcome:
    """The same one: the resident joins that report and the draft goes; else go on."""
    draft = ctx.draft
    receipt = draft.pop("same_as", None)
    if value == "no" and isinstance(receipt, str):
        return advance(ctx, {**draft, "not_same": [*draft_list(draft, "not_same"), receipt]})
    if value != "yes" or not isinstance(receipt, str):
        return reprompt(ctx)
    if not any(r.receipt_number == receipt for r in ctx.facts.nearby):
        # Closed (or gone) since it was shown: this becomes a report of its own.
        gone = {**draft, "not_same": [*draft_list(draft, "not_same"), receipt]}
        return advance(ctx, gone, lead=(ctx.say("same_gone"),))
    reply = text_reply(ctx.say("same_joined", receipt=receipt), start_menu(ctx))
    return Outcome(state_at(ctx, "idle", {}), (reply,), (JoinReport(receipt), DiscardDraft()))


# --- the note and the confirmation -------------------------------------------------------


def _text(ctx: Ctx, text: str) -> Outcome:
    """A message in a step that does not take words: kept as the note, then asked again."""
    taken = add_note(ctx, ctx.draft, text)
    lead = taken.lead
    if ctx.state.step == "location" and taken.then != "refused":
        lead = (ctx.say("typed_location"),)
    return enter(ctx, ctx.state.step, taken.draft, lead=lead)


def _note_text(ctx: Ctx, text: str) -> Outcome:
    """The note step, and the confirmation, take a message as the whole note."""
    taken = add_note(ctx, ctx.draft, text, replace=True)
    if taken.then == "refused" or ctx.state.step == "confirm":
        return enter(ctx, ctx.state.step, taken.draft, lead=taken.lead)
    return advance(ctx, taken.draft, lead=taken.lead)


def _note_answer(ctx: Ctx, value: str) -> Outcome:
    if value != "clear":
        return reprompt(ctx)
    draft = {k: v for k, v in ctx.draft.items() if k != "note"}
    return advance(ctx, draft, lead=(ctx.say("note_cleared"),))


def _confirm_answer(ctx: Ctx, value: str) -> Outcome:
    """Send creates the report (the caller replies with its receipt)."""
    draft = ctx.draft
    if value != "send":
        return reprompt(ctx)
    if first_missing(ctx.city, draft) != "confirm":
        return advance(ctx, draft)
    report = {key: draft.get(key) for key in ("category", "subcategory", *POINT_KEYS, "note")}
    report["photos"] = draft_photos(draft)
    report["language"] = ctx.lang
    report["urgent"] = draft.get("urgent") is True
    return Outcome(state_at(ctx, "idle", {}), (), (CreateReport(report),))


# --- what every draft step does with a photo or a place ----------------------------------


def _photo(ctx: Ctx, image: Image) -> Outcome:
    return go_on(ctx, absorb(ctx, ctx.draft, image))


# --- the step table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """How one step takes each kind of answer (what it asks for is in ``prompts.PROMPTS``)."""

    choices: Mapping[str, Callable[[Ctx, str], Outcome]] = field(default_factory=dict)
    words: Callable[[Ctx, str], Intent | None] = lambda ctx, typed: None
    text: Callable[[Ctx, str], Outcome] | None = _text
    image: Callable[[Ctx, Image], Outcome] = _photo
    location: Callable[[Ctx, Location], Outcome] = location_in_step


def _words(table: Mapping[str, Intent]) -> Callable[[Ctx, str], Intent | None]:
    return lambda ctx, typed: word(typed, table)


_NAV = {"back": Intent("nav", "back"), "next": Intent("nav", "next")}


def _resume_image(ctx: Ctx, image: Image) -> Outcome:
    return held_in_resume(ctx, image)


def _resume_location(ctx: Ctx, location: Location) -> Outcome:
    return held_in_resume(ctx, location)


def _resume_text(ctx: Ctx, text: str) -> Outcome:
    return held_in_resume(ctx, Text(text))


STEPS: Mapping[str, Step] = {
    # Idle and consent are routed by ``dispatch`` and ``start``: their rows are for words.
    "idle": Step(),
    "consent": Step(
        words=_words({"agree": Intent("consent", "yes"), "disagree": Intent("consent", "no")}),
    ),
    "photos": Step(
        {"photos": photos_answer, "nav": navigate},
        _words({"next": Intent("nav", "next"), "retake": Intent("photos", "retake")}),
    ),
    "location": Step({"nav": navigate}, _words(_NAV)),
    "confirm_location": Step(
        {"border": border_answer, "nav": navigate},
        _words({"yes": Intent("border", "yes"), "no": Intent("border", "no"), **_NAV}),
    ),
    "kind": Step({"kind": _choose_kind, "nav": navigate},
                 lambda ctx, typed: word(typed, _NAV) or _kind_words(ctx, typed)),
    "kind_other": Step({"kind": _choose_kind, "nav": navigate},
                       lambda ctx, typed: word(typed, _NAV) or _kind_words(ctx, typed)),
    "same": Step(
        {"same": _same_answer, "nav": navigate},
        _words({"same_yes": Intent("same", "yes"), "same_no": Intent("same", "no"), **_NAV}),
    ),
    "confirm": Step(
        {"confirm": _confirm_answer, "edit": _edit, "nav": navigate},
        _words({"send": Intent("confirm", "send"), "back": Intent("nav", "back")}),
        text=_note_text,
    ),
    "note": Step({"note": _note_answer, "nav": navigate}, _words(_NAV), text=_note_text),
    "resume": Step(
        {"resume": resume_answer},
        _words({"resume_yes": Intent("resume", "yes"), "resume_no": Intent("resume", "no")}),
        text=_resume_text,
        image=_resume_image,
        location=_resume_location,
    ),
}
