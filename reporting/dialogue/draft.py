"""The draft report: which steps hold one, what it holds, and what it still lacks.

A draft is JSON the caller stored; anything malformed in it reads as missing, never an error.
"""

import math
from collections.abc import Mapping
from typing import Any

from reporting.city_profile import CityProfile
from reporting.city_profile import Kind
from reporting.dialogue import texts as catalogue
from reporting.dialogue.context import Ctx

DRAFT_STEPS = frozenset(
    {"photos", "location", "confirm_location", "kind", "kind_other", "same", "confirm", "note",
     "resume"}
)
# Where a step sits in the report; entering a step whose earlier data is missing goes there.
# The questions come in this order whatever the resident sent first.
RANK = {
    "photos": 0,
    "location": 1,
    "confirm_location": 1,
    "kind": 2,
    "kind_other": 2,
    "same": 2,
    "confirm": 3,
    "note": 3,
}
# The step "back" returns to from each step; the data of both is kept.
PREVIOUS = {
    "location": "photos",
    "confirm_location": "location",
    "kind": "location",
    "kind_other": "kind",
    "same": "kind",
    "confirm": "kind",
    "note": "confirm",
}
POINT_KEYS = ("lon", "lat", "address", "area_code", "area_name_ja", "area_name_en")
# What a new report may carry over from the resident's first message or a held one.
PART_KEYS = (*POINT_KEYS, "photos", "image_sets", "note", "suggested", "urgent", "border_point")


def draft_kind(city: CityProfile, draft: Mapping[str, Any]) -> Kind | None:
    category, sub = draft.get("category"), draft.get("subcategory")
    if not (isinstance(category, str) and isinstance(sub, str)):
        return None
    return city.kind(f"{category}.{sub}")


def suggested_kind(city: CityProfile, draft: Mapping[str, Any]) -> Kind | None:
    code = draft.get("suggested")
    return city.kind(code) if isinstance(code, str) else None


def draft_photos(draft: Mapping[str, Any]) -> list[dict[str, str]]:
    photos = draft.get("photos")
    if not isinstance(photos, list):
        return []
    return [
        {"message_id": p["message_id"], "content_hash": p["content_hash"]}
        for p in photos
        if isinstance(p, dict)
        and isinstance(p.get("message_id"), str)
        and isinstance(p.get("content_hash"), str)
    ]


def draft_sets(draft: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Image sets still arriving; malformed entries are forgotten."""
    raw = draft.get("image_sets")
    if not isinstance(raw, dict):
        return {}
    return {
        k: {"total": v["total"], "seen": list(v["seen"]), "added": v["added"],
            "over": list(v["over"])}
        for k, v in raw.items()
        if isinstance(v, dict)
        and isinstance(v.get("total"), int)
        and isinstance(v.get("seen"), list)
        and isinstance(v.get("added"), int)
        and isinstance(v.get("over"), list)
    }


def draft_note(draft: Mapping[str, Any]) -> str | None:
    note = draft.get("note")
    return note if isinstance(note, str) and note else None


def draft_list(draft: Mapping[str, Any], key: str) -> list[str]:
    value = draft.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def has_point(draft: Mapping[str, Any]) -> bool:
    return all(finite(draft.get(k)) for k in ("lon", "lat")) and isinstance(
        draft.get("area_code"), str
    )


def finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def first_missing(city: CityProfile, draft: Mapping[str, Any]) -> str:
    """The earliest step whose answer the draft lacks; "confirm" when it is complete."""
    if not draft_photos(draft):
        return "photos"
    if not has_point(draft):
        return "location"
    if draft_kind(city, draft) is None:
        return "kind"
    return "confirm"


def parts(draft: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a report a draft holds, without the bookkeeping of a step."""
    return {k: draft[k] for k in PART_KEYS if k in draft}


def area_name(ctx: Ctx, draft: Mapping[str, Any]) -> str:
    name = draft.get("area_name_en" if ctx.lang == catalogue.EN else "area_name_ja")
    return name if isinstance(name, str) and name else ctx.city_name


def kind_label(ctx: Ctx, kind: Kind) -> str:
    """A kind as the resident chose it: its subcategory, or "category: other" when ambiguous."""
    sub = catalogue.pick((kind.subcategory.ja, kind.subcategory.en), ctx.lang)
    if kind.subcategory.common:
        return sub
    category = catalogue.pick((kind.category.ja, kind.category.en), ctx.lang)
    return f"{category}：{sub}" if ctx.lang == catalogue.JA else f"{category}: {sub}"
