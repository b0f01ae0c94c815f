"""The draft's photos: kept, refused or over the limit, image sets, unsent, and strays."""

from dataclasses import replace
from typing import Any

from reporting.dialogue import texts as catalogue
from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.draft import RANK
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.draft import draft_sets
from reporting.dialogue.draft import first_missing
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.moves import stay
from reporting.dialogue.moves import text_reply
from reporting.dialogue.place import early_location
from reporting.dialogue.place import locate
from reporting.dialogue.prompts import start_menu
from reporting.dialogue.reading import excerpt
from reporting.dialogue.values import Action
from reporting.dialogue.values import AttachPhoto
from reporting.dialogue.values import DropPhoto
from reporting.dialogue.values import Image
from reporting.dialogue.values import Location
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import PhotoOk
from reporting.dialogue.values import PhotoRefused
from reporting.dialogue.values import Unsend

_MAX_SET = 100  # LINE sends far fewer photos per set; more is not a real set


def stray_image(ctx: Ctx, image: Image) -> Outcome:
    """A photo outside the photo step is not kept, and the resident is told why.

    A set is answered once, on its first. A draft whose photos were all unsent wants photos
    again, so a photo sent in a later step is taken as in the photo step.
    """
    step, draft = ctx.state.step, ctx.draft
    if step in DRAFT_STEPS and first_missing(ctx.city, draft) == "photos":
        return take_photo(replace(ctx, state=replace(ctx.state, step="photos")), image)
    if _set_info(image) is not None and image.image_set_index != 1:
        return Outcome(ctx.state)
    if step == "idle":
        return Outcome(
            state_at(ctx, "idle", {}), (text_reply(ctx.say("idle_photo"), start_menu(ctx)),)
        )
    if step not in DRAFT_STEPS:
        return reprompt(ctx)
    too_early = RANK[first_missing(ctx.city, draft)] < RANK["photos"]
    lead = ctx.say("photo_too_early" if too_early else "photo_late")
    return enter(ctx, step, draft, lead=(lead,))


def photos_next(ctx: Ctx, value: str) -> Outcome:
    """Go on with the photos so far; sets still arriving are no longer waited for."""
    draft = ctx.draft
    if value != "next":
        return reprompt(ctx)
    if not draft_photos(draft):
        return enter(ctx, "photos", draft, lead=(ctx.say("photos_needed"),))
    draft.pop("image_sets", None)
    return advance(ctx, draft)


def photos_then_location(ctx: Ctx, location: Location) -> Outcome:
    """A place sent instead of tapping "next" is taken as both, once there is a photo.

    Before any photo, a place is kept only if it needs no question (see ``early_location``).
    """
    draft = ctx.draft
    if not draft_photos(draft):
        return early_location(ctx, location)
    draft.pop("image_sets", None)
    return locate(replace(ctx, state=replace(ctx.state, draft=draft)), location)


def _set_info(image: Image) -> tuple[str, int, int] | None:
    """The image's set as (id, index, total), if LINE's set fields make sense."""
    set_id, index, total = image.image_set_id, image.image_set_index, image.image_set_total
    if not (isinstance(set_id, str) and set_id and isinstance(index, int)):
        return None
    if not (isinstance(total, int) and 1 <= index <= total <= _MAX_SET):
        return None
    return set_id, index, total


def take_photo(ctx: Ctx, image: Image) -> Outcome:
    """Keep a photo, or say why not; a set is acknowledged once, when all of it arrived."""
    draft = ctx.draft
    photos, sets = draft_photos(draft), draft_sets(draft)
    info = _set_info(image)
    seen = sets[info[0]]["seen"] if info and info[0] in sets else []
    if image.message_id in seen or any(p["message_id"] == image.message_id for p in photos):
        return Outcome(ctx.state)  # the same event again
    refusal, actions, over = _verdict(ctx, image, photos)
    if not refusal and not over:
        photos.append({"message_id": image.message_id, "content_hash": _hash(ctx)})
    draft["photos"] = photos
    lead: tuple[str, ...] = (refusal,) if refusal else ()
    if info is None:
        if over:
            lead += (ctx.say("photo_over", max=ctx.settings.max_photos, over=1),)
        elif not refusal:
            lead += (_count(ctx, "photo_ack", photos),)
        return _after_photos(ctx, draft, sets, lead, actions)
    set_id, _, total = info
    entry = sets.setdefault(set_id, {"total": total, "seen": [], "added": 0, "over": 0})
    entry["seen"].append(image.message_id)
    entry["added"] += 0 if refusal or over else 1
    entry["over"] += 1 if over else 0
    if len(entry["seen"]) < entry["total"]:
        draft["image_sets"] = sets
        replies = (text_reply(refusal),) if refusal else ()
        return stay(ctx, draft, replies, actions)
    del sets[set_id]
    if entry["added"]:
        lead += (_count(ctx, "photo_set_ack", photos, added=entry["added"]),)
    if entry["over"]:
        lead += (ctx.say("photo_over", max=ctx.settings.max_photos, over=entry["over"]),)
    return _after_photos(ctx, draft, sets, lead, actions)


def _verdict(
    ctx: Ctx, image: Image, photos: list[dict[str, str]]
) -> tuple[str | None, tuple[Action, ...], bool]:
    """(refusal text, actions, over the limit) for one photo."""
    photo = ctx.facts.photo
    if photo is None or photo.message_id != image.message_id:
        return ctx.say("photo_refused", reason=ctx.say("photo_missing")), (), False
    if isinstance(photo, PhotoRefused):
        reason = catalogue.pick((photo.reason_ja, photo.reason_en), ctx.lang)
        return ctx.say("photo_refused", reason=excerpt(reason, 500)), (), False
    if any(p["content_hash"] == photo.content_hash for p in photos):
        return ctx.say("photo_duplicate"), (), False
    if len(photos) >= ctx.settings.max_photos:
        return None, (), True
    return None, (AttachPhoto(image.message_id, photo.content_hash),), False


def _hash(ctx: Ctx) -> str:
    photo = ctx.facts.photo
    return photo.content_hash if isinstance(photo, PhotoOk) else ""


def _count(ctx: Ctx, key: str, photos: list[dict[str, str]], **fields: object) -> str:
    return ctx.say(key, count=len(photos), max=ctx.settings.max_photos, **fields)


def _after_photos(
    ctx: Ctx,
    draft: Draft,
    sets: dict[str, dict[str, Any]],
    lead: tuple[str, ...],
    actions: tuple[Action, ...],
) -> Outcome:
    """Move on by itself once the limit is reached and no set is still arriving."""
    if sets:
        draft["image_sets"] = sets
    else:
        draft.pop("image_sets", None)
    if len(draft_photos(draft)) >= ctx.settings.max_photos and not sets:
        return advance(ctx, draft, lead=lead, actions=actions)
    return enter(ctx, "photos", draft, lead=lead, actions=actions)


def unsend_photo(ctx: Ctx, unsend: Unsend) -> Outcome:
    """An unsent draft photo leaves the draft; a later step then asks for photos again."""
    draft = ctx.draft
    photos = draft_photos(draft)
    kept = [p for p in photos if p["message_id"] != unsend.message_id]
    if len(kept) == len(photos):
        return Outcome(ctx.state)
    draft["photos"] = kept
    return Outcome(state_at(ctx, ctx.state.step, draft), (), (DropPhoto(unsend.message_id),))
