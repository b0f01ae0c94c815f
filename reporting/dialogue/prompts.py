"""What each step asks for: its prompt text and the buttons (quick replies) offered with it."""

from collections.abc import Callable
from collections.abc import Mapping
from typing import TypeAlias

from reporting.dialogue import texts as catalogue
from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import area_name
from reporting.dialogue.draft import draft_category
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.reading import excerpt
from reporting.dialogue.values import QuickReply

Prompt: TypeAlias = tuple[str, tuple[QuickReply, ...]]

# --- buttons -----------------------------------------------------------------------------


def postback(label: str, data: str) -> QuickReply:
    return QuickReply(label, "postback", text=label, data=data)


def tap(ctx: Ctx, key: str, data: str) -> QuickReply:
    return postback(ctx.label(key), data)


def start_menu(ctx: Ctx) -> tuple[QuickReply, ...]:
    """The menu when no report is in progress; status only once it can be answered."""
    other = "en" if ctx.lang == catalogue.JA else "ja"
    # Status needs agreement to some terms: before that, its button would show the terms.
    status = (tap(ctx, "status", "action=status"),) if ctx.state.consent_version else ()
    return (
        tap(ctx, "report", "action=report"),
        *status,
        tap(ctx, "help", "action=help"),
        tap(ctx, "other_language", f"lang={other}"),
    )


# --- the prompt of each step -------------------------------------------------------------


def _idle_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    return ctx.say("idle"), start_menu(ctx)


def _consent_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    version = ctx.city.terms.version
    terms = catalogue.pick((ctx.city.terms.ja, ctx.city.terms.en), ctx.lang)
    other = "en" if ctx.lang == catalogue.JA else "ja"
    quick = (
        tap(ctx, "agree", f"consent=yes&v={version}"),
        tap(ctx, "disagree", f"consent=no&v={version}"),
        tap(ctx, "other_language", f"lang={other}"),
    )
    return ctx.say("terms", terms=excerpt(terms, 1500)), quick


def _category_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    quick = tuple(
        postback(catalogue.pick((c.ja, c.en), ctx.lang), f"cat={c.code}")
        for c in ctx.city.categories
    )
    return ctx.say("category"), quick + (tap(ctx, "emergency", "action=emergency"),)


def _subcategory_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    category = draft_category(ctx.city, draft)
    assert category is not None  # enter goes to "category" first when it is missing
    quick = tuple(
        postback(catalogue.pick((s.ja, s.en), ctx.lang), f"sub={s.code}")
        for s in category.subcategories
    )
    name = catalogue.pick((category.ja, category.en), ctx.lang)
    return ctx.say("subcategory", category=name), quick + (tap(ctx, "back", "nav=back"),)


def _photos_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    count, most = len(draft_photos(draft)), ctx.settings.max_photos
    quick = (
        QuickReply(ctx.label("camera"), "camera"),
        QuickReply(ctx.label("camera_roll"), "camera_roll"),
    )
    if count == 0:
        return ctx.say("photos_first", max=most), quick + (tap(ctx, "cancel", "action=cancel"),)
    more = (tap(ctx, "next", "photos=next"), tap(ctx, "cancel", "action=cancel"))
    return ctx.say("photos_more", left=max(most - count, 0)), quick + more


def _location_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    quick = (
        QuickReply(ctx.label("location"), "location"),
        tap(ctx, "cancel", "action=cancel"),
    )
    return ctx.say("location"), quick


def _border_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    quick = (
        tap(ctx, "yes", "border=yes"),
        tap(ctx, "no", "border=no"),
        QuickReply(ctx.label("location"), "location"),
    )
    return ctx.say("border", area=area_name(ctx, draft)), quick


def _note_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    quick = (tap(ctx, "skip", "note=skip"), tap(ctx, "cancel", "action=cancel"))
    return ctx.say("note", max=ctx.settings.max_note), quick


def _confirm_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    category = draft_category(ctx.city, draft)
    assert category is not None  # enter goes to "category" first when it is missing
    sub = category.subcategory(str(draft.get("subcategory")))
    place = area_name(ctx, draft)
    address = draft.get("address")
    if isinstance(address, str) and address:
        place += f" ({excerpt(address, 60)})"
    note = draft.get("note")
    text = ctx.say(
        "confirm",
        category=catalogue.pick((category.ja, category.en), ctx.lang),
        subcategory=catalogue.pick((sub.ja, sub.en), ctx.lang) if sub else "-",
        photos=len(draft_photos(draft)),
        place=place,
        # The whole note: it is the text's last field, so only an over-long one is cut.
        note=note if isinstance(note, str) else ctx.say("none"),
    )
    quick = (
        tap(ctx, "send", "confirm=send"),
        tap(ctx, "restart", "confirm=restart"),
        tap(ctx, "cancel", "action=cancel"),
    )
    return text, quick


# Every step the dialogue knows, as in steps.STEPS, which says how each takes its answers.
PROMPTS: Mapping[str, Callable[[Ctx, Draft], Prompt]] = {
    "idle": _idle_prompt,
    "consent": _consent_prompt,
    "category": _category_prompt,
    "subcategory": _subcategory_prompt,
    "photos": _photos_prompt,
    "location": _location_prompt,
    "confirm_location": _border_prompt,
    "note": _note_prompt,
    "confirm": _confirm_prompt,
}
