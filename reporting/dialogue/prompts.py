"""What each step asks for: its prompt text and the buttons (quick replies) offered with it."""

from collections.abc import Callable
from collections.abc import Mapping
from typing import TypeAlias

from reporting.dialogue import texts as catalogue
from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import area_name
from reporting.dialogue.draft import draft_kind
from reporting.dialogue.draft import draft_note
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.draft import has_point
from reporting.dialogue.draft import kind_label
from reporting.dialogue.draft import suggested_kind
from reporting.dialogue.reading import excerpt
from reporting.dialogue.values import MAX_QUICK_REPLIES
from reporting.dialogue.values import QuickReply

Prompt: TypeAlias = tuple[str, tuple[QuickReply, ...]]

# --- buttons -----------------------------------------------------------------------------


def postback(label: str, data: str) -> QuickReply:
    return QuickReply(label, "postback", text=label, data=data)


def tap(ctx: Ctx, key: str, data: str) -> QuickReply:
    return postback(ctx.label(key), data)


def call_button(ctx: Ctx) -> QuickReply:
    """Tap to call the city's emergency line (LINE opens the phone's dialer)."""
    digits = "".join(c for c in ctx.city.emergency_phone if c.isdigit() or c == "+")
    return QuickReply(ctx.label("call"), "uri", uri=f"tel:{digits}")


def start_menu(ctx: Ctx) -> tuple[QuickReply, ...]:
    """The menu when no report is in progress; status only once it can be answered."""
    other = "en" if ctx.lang == catalogue.JA else "ja"
    # Status needs agreement to some terms: before that, its button would show the terms.
    status = (tap(ctx, "status", "action=status"),) if ctx.state.consent_version else ()
    return (
        tap(ctx, "report", "action=report"),
        *status,
        tap(ctx, "help", "action=help"),
        tap(ctx, "emergency", "action=emergency"),
        tap(ctx, "other_language", f"lang={other}"),
    )


def _cancel(ctx: Ctx) -> QuickReply:
    return tap(ctx, "cancel", "action=cancel")


def _back(ctx: Ctx) -> QuickReply:
    return tap(ctx, "back", "nav=back")


def _photo_buttons(ctx: Ctx) -> tuple[QuickReply, ...]:
    return (
        QuickReply(ctx.label("camera"), "camera"),
        QuickReply(ctx.label("camera_roll"), "camera_roll"),
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


def _photos_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    count, most = len(draft_photos(draft)), ctx.settings.max_photos
    if count == 0:
        return ctx.say("photos_first", max=most), _photo_buttons(ctx) + (_cancel(ctx),)
    more = (tap(ctx, "next", "nav=next"), tap(ctx, "retake", "photos=retake"), _cancel(ctx))
    return ctx.say("photos_more", count=count, max=most), _photo_buttons(ctx) + more


def _location_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    send = QuickReply(ctx.label("location"), "location")
    if has_point(draft):
        text = ctx.say("location_again", place=place_name(ctx, draft))
        return text, (send, tap(ctx, "next", "nav=next"), _back(ctx), _cancel(ctx))
    return ctx.say("location"), (send, _back(ctx), _cancel(ctx))


def _border_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    point = draft.get("border_point")
    area = area_name(ctx, point) if isinstance(point, dict) else ctx.city_name
    quick = (
        tap(ctx, "yes", "border=yes"),
        tap(ctx, "no", "border=no"),
        QuickReply(ctx.label("location"), "location"),
    )
    return ctx.say("border", area=area), quick


def _kind_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    suggested = suggested_kind(ctx.city, draft)
    kinds = [k for k in ctx.city.kinds if k.subcategory.common]
    text = ctx.say("kind")
    if suggested is not None:
        kinds = [suggested, *(k for k in kinds if k != suggested)]
        text = ctx.say("kind_suggested", kind=kind_label(ctx, suggested)) + "\n" + text
    quick = tuple(postback(kind_label(ctx, k), f"kind={k.code}") for k in kinds)
    quick += (tap(ctx, "kind_other", "kind=other"), _back(ctx))
    if len(quick) < MAX_QUICK_REPLIES:
        quick += (tap(ctx, "emergency", "action=emergency"),)
    return text, quick


def _kind_other_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    others = (k for k in ctx.city.kinds if not k.subcategory.common)
    quick = tuple(postback(kind_label(ctx, k), f"kind={k.code}") for k in others)
    return ctx.say("kind_other"), quick + (_back(ctx),)


def _same_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    receipt = str(draft.get("same_as"))
    found = next((r for r in ctx.facts.nearby if r.receipt_number == receipt), None)
    status = catalogue.status_word(found.status if found else "new", ctx.lang)
    quick = (tap(ctx, "same_yes", "same=yes"), tap(ctx, "same_no", "same=no"), _back(ctx))
    return ctx.say("same", receipt=receipt, status=status), quick


def place_name(ctx: Ctx, draft: Draft) -> str:
    place = area_name(ctx, draft)
    address = draft.get("address")
    if isinstance(address, str) and address:
        place += f" ({excerpt(address, 60)})"
    return place


def summary_fields(ctx: Ctx, draft: Draft) -> dict[str, object]:
    """The draft's kind, photo count and place as the resident reads them."""
    kind = draft_kind(ctx.city, draft)
    return {
        "kind": kind_label(ctx, kind) if kind else ctx.say("none"),
        "photos": len(draft_photos(draft)),
        "place": place_name(ctx, draft) if has_point(draft) else ctx.say("none"),
    }


def _confirm_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    text = ctx.say(
        "confirm",
        **summary_fields(ctx, draft),
        # The whole note: only an over-long one is cut.
        note=draft_note(draft) or ctx.say("none"),
        urgent=ctx.say("confirm_urgent") if draft.get("urgent") is True else "",
    )
    quick = (
        tap(ctx, "send", "confirm=send"),
        tap(ctx, "edit_kind", "edit=kind"),
        tap(ctx, "edit_photos", "edit=photos"),
        tap(ctx, "edit_location", "edit=location"),
        tap(ctx, "edit_note", "edit=note"),
        _cancel(ctx),
    )
    return text, quick


def _note_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    clear = (tap(ctx, "note_clear", "note=clear"),) if draft_note(draft) else ()
    return ctx.say("note", max=ctx.settings.max_note), clear + (_back(ctx),)


def _resume_prompt(ctx: Ctx, draft: Draft) -> Prompt:
    summary = ctx.say("resume_summary", **summary_fields(ctx, draft))
    text = ctx.say("resume", summary=summary)
    quick = (tap(ctx, "resume_yes", "resume=yes"), tap(ctx, "resume_no", "resume=no"))
    return text, quick + (_cancel(ctx),)


# Every step the dialogue knows, as in steps.STEPS, which says how each takes its answers.
PROMPTS: Mapping[str, Callable[[Ctx, Draft], Prompt]] = {
    "idle": _idle_prompt,
    "consent": _consent_prompt,
    "photos": _photos_prompt,
    "location": _location_prompt,
    "confirm_location": _border_prompt,
    "kind": _kind_prompt,
    "kind_other": _kind_other_prompt,
    "same": _same_prompt,
    "confirm": _confirm_prompt,
    "note": _note_prompt,
    "resume": _resume_prompt,
}
