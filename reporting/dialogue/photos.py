"""The draft's photos: kept, refused or over the limit, image sets, retaken and unsent."""

from dataclasses import dataclass
from typing import Any

from reporting.dialogue import texts as catalogue
from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import draft_photos
from reporting.dialogue.draft import draft_sets
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.moves import state_at
from reporting.dialogue.reading import excerpt
from reporting.dialogue.values import Action
from reporting.dialogue.values import AttachPhoto
from reporting.dialogue.values import DropPhoto
from reporting.dialogue.values import Image
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import PhotoOk
from reporting.dialogue.values import PhotoRefused
from reporting.dialogue.values import Unsend

_MAX_SET = 100  # LINE sends far fewer photos per set; more is not a real set


@dataclass(frozen=True)
class Taken:
    """What one image did to a draft: what to say, what to store, and whether to wait."""

    draft: Draft
    lead: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    waiting: bool = False  # more of its set is still to come: only refusals are said now
    repeat: bool = False  # the same event again: nothing changes


def take(ctx: Ctx, draft: Draft, image: Image) -> Taken:
    """Keep a photo in the draft, or say why not; a set is acknowledged once, when complete.

    Photos refused or over the limit are named by their place in the set (「3枚目」).
    """
    photos, sets = draft_photos(draft), draft_sets(draft)
    info = _set_info(image)
    seen = sets[info[0]]["seen"] if info and info[0] in sets else []
    if image.message_id in seen or any(p["message_id"] == image.message_id for p in photos):
        return Taken(draft, repeat=True)
    reason, actions, over = _verdict(ctx, image, photos)
    if reason is None and not over:
        photos.append({"message_id": image.message_id, "content_hash": _hash(ctx)})
    draft = {**draft, "photos": photos}
    if info is None:
        if reason is not None:
            one = ctx.say("photo_refused", reason=reason)
        elif over:
            one = ctx.say("photo_over_one", max=ctx.settings.max_photos)
        else:
            one = _count(ctx, "photo_ack", photos)
        return Taken(_with_sets(draft, sets), (one,), actions)
    set_id, index, total = info
    entry = sets.setdefault(set_id, {"total": total, "seen": [], "added": 0, "over": []})
    entry["seen"].append(image.message_id)
    entry["added"] += 0 if reason is not None or over else 1
    if over:
        entry["over"].append(index)
    said: tuple[str, ...] = ()
    if reason is not None:
        position = ctx.say("position", n=index)
        said = (ctx.say("photo_refused", reason=ctx.say("photo_refused_at", position=position,
                                                         reason=reason)),)
    if len(entry["seen"]) < entry["total"]:
        return Taken(_with_sets(draft, sets), said, actions, waiting=True)
    del sets[set_id]
    lead: tuple[str, ...] = said
    if entry["added"]:
        lead += (_count(ctx, "photo_set_ack", photos, added=entry["added"]),)
    if entry["over"]:
        lead += (ctx.say("photo_over", max=ctx.settings.max_photos,
                         positions=_positions(ctx, entry["over"])),)
    return Taken(_with_sets(draft, sets), lead, actions)


def _with_sets(draft: Draft, sets: dict[str, dict[str, Any]]) -> Draft:
    draft = {k: v for k, v in draft.items() if k != "image_sets"}
    return {**draft, "image_sets": sets} if sets else draft


def _positions(ctx: Ctx, indexes: list[int]) -> str:
    names = [ctx.say("position", n=n) for n in sorted(indexes)]
    return ctx.say("positions_join").join(names)


def _set_info(image: Image) -> tuple[str, int, int] | None:
    """The image's set as (id, index, total), if LINE's set fields make sense."""
    set_id, index, total = image.image_set_id, image.image_set_index, image.image_set_total
    if not (isinstance(set_id, str) and set_id and isinstance(index, int)):
        return None
    if not (isinstance(total, int) and 1 <= index <= total <= _MAX_SET):
        return None
    return set_id, index, total


def _verdict(
    ctx: Ctx, image: Image, photos: list[dict[str, str]]
) -> tuple[str | None, tuple[Action, ...], bool]:
    """(why it is refused, actions, over the limit) for one photo."""
    photo = ctx.facts.photo
    if photo is None or photo.message_id != image.message_id:
        return ctx.say("photo_missing"), (), False
    if isinstance(photo, PhotoRefused):
        return excerpt(catalogue.pick((photo.reason_ja, photo.reason_en), ctx.lang), 500), (), False
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


def photos_answer(ctx: Ctx, value: str) -> Outcome:
    """Retake: the draft's photos are deleted and asked for again."""
    if value != "retake":
        return reprompt(ctx)
    draft = ctx.draft
    drops = tuple(DropPhoto(p["message_id"]) for p in draft_photos(draft))
    draft = {k: v for k, v in draft.items() if k not in ("photos", "image_sets")}
    return enter(ctx, "photos", draft, lead=(ctx.say("photos_reset"),), actions=drops)


def photos_next(ctx: Ctx) -> Outcome:
    """Go on with the photos so far; sets still arriving are no longer waited for."""
    draft = {k: v for k, v in ctx.draft.items() if k != "image_sets"}
    if not draft_photos(draft):
        return enter(ctx, "photos", draft, lead=(ctx.say("photos_needed"),))
    return advance(ctx, draft)


def unsend_photo(ctx: Ctx, unsend: Unsend) -> Outcome:
    """An unsent draft photo leaves the draft; a later step then asks for photos again."""
    draft = ctx.draft
    photos = draft_photos(draft)
    kept = [p for p in photos if p["message_id"] != unsend.message_id]
    if len(kept) == len(photos):
        return Outcome(ctx.state)
    draft["photos"] = kept
    return Outcome(state_at(ctx, ctx.state.step, draft), (), (DropPhoto(unsend.message_id),))
