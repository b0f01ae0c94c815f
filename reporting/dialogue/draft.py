"""The draft report: which steps hold one, what it holds, and what it still lacks.

A draft is JSON the caller stored; anything malformed in it reads as missing, never an error.
"""

import math
from collections.abc import Mapping
from typing import Any

from reporting.city_profile import Category
from reporting.city_profile import CityProfile
from reporting.dialogue import texts as catalogue
from reporting.dialogue.context import Ctx

DRAFT_STEPS = frozenset(
    {"category", "subcategory", "photos", "location", "confirm_location", "note", "confirm"}
)
# Where a step sits in the report; entering a step whose earlier data is missing goes there.
RANK = {
    "category": 0,
    "subcategory": 1,
    "photos": 2,
    "location": 3,
    "confirm_location": 3,
    "note": 4,
    "confirm": 5,
}
POINT_KEYS = ("lon", "lat", "address", "area_code", "area_name_ja", "area_name_en")


def draft_category(city: CityProfile, draft: Mapping[str, Any]) -> Category | None:
    code = draft.get("category")
    return city.category(code) if isinstance(code, str) else None


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
        k: {"total": v["total"], "seen": list(v["seen"]), "added": v["added"], "over": v["over"]}
        for k, v in raw.items()
        if isinstance(v, dict)
        and isinstance(v.get("total"), int)
        and isinstance(v.get("seen"), list)
        and isinstance(v.get("added"), int)
        and isinstance(v.get("over"), int)
    }


def has_point(draft: Mapping[str, Any]) -> bool:
    return all(finite(draft.get(k)) for k in ("lon", "lat")) and isinstance(
        draft.get("area_code"), str
    )


def finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def first_missing(city: CityProfile, draft: Mapping[str, Any]) -> str:
    """The earliest step whose answer the draft lacks; "confirm" when it is complete."""
    category = draft_category(city, draft)
    if category is None:
        return "category"
    sub = draft.get("subcategory")
    if category.subcategories and not (isinstance(sub, str) and category.subcategory(sub)):
        return "subcategory"
    if not draft_photos(draft):
        return "photos"
    if not has_point(draft):
        return "location"
    note = draft.get("note", False)
    if not (note is None or isinstance(note, str)):
        return "note"
    return "confirm"


def area_name(ctx: Ctx, draft: Mapping[str, Any]) -> str:
    name = draft.get("area_name_en" if ctx.lang == catalogue.EN else "area_name_ja")
    return name if isinstance(name, str) and name else ctx.city_name
