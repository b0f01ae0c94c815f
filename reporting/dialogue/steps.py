"""How each step takes its answers: the step table, and the category, note and confirm steps.

A step's prompt is in ``prompts``; photos and the place have modules of their own.
"""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from reporting.dialogue.context import Ctx
from reporting.dialogue.draft import POINT_KEYS
from reporting.dialogue.draft import draft_category
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.draft import first_missing
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.photos import photos_next
from reporting.dialogue.photos import photos_then_location
from reporting.dialogue.photos import take_photo
from reporting.dialogue.place import border_answer
from reporting.dialogue.place import early_location
from reporting.dialogue.place import locate
from reporting.dialogue.reading import WORDS
from reporting.dialogue.reading import Intent
from reporting.dialogue.reading import clean
from reporting.dialogue.reading import norm
from reporting.dialogue.reading import word
from reporting.dialogue.values import CreateReport
from reporting.dialogue.values import DiscardDraft
from reporting.dialogue.values import Image
from reporting.dialogue.values import Location
from reporting.dialogue.values import Outcome

# --- category and subcategory ------------------------------------------------------------


def _category_words(ctx: Ctx, typed: str) -> Intent | None:
    for c in ctx.city.categories:
        if typed in (norm(c.ja), norm(c.en)):
            return Intent("cat", c.code)
    return None


def _choose_category(ctx: Ctx, code: str) -> Outcome:
    if ctx.city.category(code) is None:
        return reprompt(ctx)
    draft = {k: v for k, v in ctx.draft.items() if k != "subcategory"}
    return advance(ctx, {**draft, "category": code})


def _subcategory_words(ctx: Ctx, typed: str) -> Intent | None:
    if typed in WORDS["back"]:
        return Intent("nav", "back")
    category = draft_category(ctx.city, ctx.draft)
    for s in category.subcategories if category else ():
        if typed in (norm(s.ja), norm(s.en)):
            return Intent("sub", s.code)
    return None


def _choose_subcategory(ctx: Ctx, code: str) -> Outcome:
    draft = ctx.draft
    category = draft_category(ctx.city, draft)
    if category is None or category.subcategory(code) is None:
        return reprompt(ctx)
    return advance(ctx, {**draft, "subcategory": code})


def _back(ctx: Ctx, value: str) -> Outcome:
    if value != "back":
        return reprompt(ctx)
    draft = {k: v for k, v in ctx.draft.items() if k not in ("category", "subcategory")}
    return enter(ctx, "category", draft)


# --- note and confirm --------------------------------------------------------------------


def _note(ctx: Ctx, text: str) -> Outcome:
    """Keep the note as data, whatever it says; only its length is judged."""
    note = clean(text)
    if not note:
        return reprompt(ctx)
    if len(note) > ctx.settings.max_note:
        too_long = ctx.say("note_too_long", max=ctx.settings.max_note, length=len(note))
        return enter(ctx, "note", ctx.draft, lead=(too_long,))
    return advance(ctx, {**ctx.draft, "note": note})


def _skip_note(ctx: Ctx, value: str) -> Outcome:
    if value != "skip":
        return reprompt(ctx)
    return advance(ctx, {**ctx.draft, "note": None})


def _confirm_answer(ctx: Ctx, value: str) -> Outcome:
    """Send creates the report (the caller replies with its receipt); restart keeps nothing."""
    draft = ctx.draft
    if value == "restart":
        return enter(ctx, "category", {}, lead=(ctx.say("restarted"),), actions=(DiscardDraft(),))
    if value != "send":
        return reprompt(ctx)
    if first_missing(ctx.city, draft) != "confirm":
        return advance(ctx, draft)
    report = {key: draft.get(key) for key in ("category", "subcategory", *POINT_KEYS, "note")}
    report["photos"] = draft_photos(draft)
    report["language"] = ctx.lang
    return Outcome(state_at(ctx, "idle", {}), (), (CreateReport(report),))


# --- the step table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """How one step takes each kind of answer (what it asks for is in ``prompts.PROMPTS``)."""

    choices: Mapping[str, Callable[[Ctx, str], Outcome]] = field(default_factory=dict)
    words: Callable[[Ctx, str], Intent | None] = lambda ctx, typed: None
    text: Callable[[Ctx, str], Outcome] | None = None
    image: Callable[[Ctx, Image], Outcome] | None = None
    location: Callable[[Ctx, Location], Outcome] | None = None
    # What is said before asking again when typed text is none of the step's words (a
    # catalogue key); None: just ask again. Unused by a step that takes text itself.
    unclear: str | None = "not_understood"


def _words(table: Mapping[str, Intent]) -> Callable[[Ctx, str], Intent | None]:
    return lambda ctx, typed: word(typed, table)


STEPS: Mapping[str, Step] = {
    "idle": Step(),
    # The terms are their own explanation: shown again as they are.
    "consent": Step(
        words=_words({"agree": Intent("consent", "yes"), "disagree": Intent("consent", "no")}),
        unclear=None,
    ),
    "category": Step({"cat": _choose_category}, _category_words, location=early_location),
    "subcategory": Step(
        {"sub": _choose_subcategory, "nav": _back}, _subcategory_words, location=early_location
    ),
    "photos": Step(
        {"photos": photos_next},
        _words({"next": Intent("photos", "next")}),
        image=take_photo,
        location=photos_then_location,
    ),
    "location": Step(location=locate, unclear="typed_location"),
    "confirm_location": Step(
        {"border": border_answer},
        _words({"yes": Intent("border", "yes"), "no": Intent("border", "no")}),
        location=locate,
    ),
    "note": Step({"note": _skip_note}, _words({"skip": Intent("note", "skip")}), text=_note),
    "confirm": Step(
        {"confirm": _confirm_answer},
        _words({"send": Intent("confirm", "send"), "restart": Intent("confirm", "restart")}),
    ),
}
