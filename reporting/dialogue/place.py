"""Where the damage is: a sent location kept, refused, or confirmed near the border."""

from dataclasses import dataclass
from typing import Any
from typing import Literal

from reporting.city_profile import CityProfile
from reporting.dialogue import texts as catalogue
from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import POINT_KEYS
from reporting.dialogue.draft import area_name
from reporting.dialogue.draft import finite
from reporting.dialogue.draft import has_point
from reporting.dialogue.moves import advance
from reporting.dialogue.moves import enter
from reporting.dialogue.moves import reprompt
from reporting.dialogue.reading import clean
from reporting.dialogue.reading import excerpt
from reporting.dialogue.values import Location
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import Place

_MAX_ADDRESS = 300  # reports.address


@dataclass(frozen=True)
class Placed:
    """What one location did to a draft: kept, held for a border question, or refused."""

    draft: Draft
    lead: tuple[str, ...]
    verdict: Literal["ok", "border", "refused"]


def place_point(ctx: Ctx, draft: Draft, location: Location) -> Placed:
    """Keep a point inside the service area; near its border, hold it; outside, say where.

    A refused point leaves the draft as it was, an earlier point included.
    """
    draft = {k: v for k, v in draft.items() if k != "border_point"}
    place = _placed(ctx, location)
    if place is None:
        return Placed(draft, (_unknown(ctx),), "refused")
    if not place.in_service_area:
        return Placed(draft, _outside(ctx, place), "refused")
    point = _point(ctx, location, place)
    if _near_border(ctx, place):
        return Placed({**draft, "border_point": point}, (), "border")
    draft = {k: v for k, v in draft.items() if k not in POINT_KEYS}
    draft.update(point)
    return Placed(draft, (ctx.say("location_ok", area=area_name(ctx, draft)),), "ok")


def location_in_step(ctx: Ctx, location: Location) -> Outcome:
    """A location sent in any step of a draft: kept, asked about, or asked for again."""
    placed = place_point(ctx, ctx.draft, location)
    if placed.verdict == "ok":
        return advance(ctx, placed.draft, lead=placed.lead)
    if placed.verdict == "border":
        return enter(ctx, "confirm_location", placed.draft)
    step = ctx.state.step if has_point(placed.draft) else "location"
    return enter(ctx, step, placed.draft, lead=placed.lead)


def _placed(ctx: Ctx, location: Location) -> Place | None:
    """Where the point is, if it is a real coordinate the caller could place."""
    place = ctx.facts.place
    placed = finite(location.lon) and finite(location.lat)
    placed = placed and abs(location.lon) <= 180 and abs(location.lat) <= 90
    return place if placed else None


def _point(ctx: Ctx, location: Location, place: Place) -> dict[str, Any]:
    """The draft's point fields for a point inside the service area."""
    area = place.area
    return {
        "lon": float(location.lon),
        "lat": float(location.lat),
        "address": excerpt(clean(location.address or location.title or ""), _MAX_ADDRESS) or None,
        "area_code": area.code if area else next(iter(sorted(ctx.city.service_area)), ""),
        "area_name_ja": area.name_ja if area else ctx.city.name_ja,
        "area_name_en": area.name_en if area else ctx.city.name_en,
    }


def _near_border(ctx: Ctx, place: Place) -> bool:
    distance = place.border_distance_m
    return distance is not None and distance < ctx.settings.border_check_m


def _unknown(ctx: Ctx) -> str:
    return ctx.say("location_unknown", city=ctx.city_name)


def _outside(ctx: Ctx, place: Place) -> tuple[str, ...]:
    """Say the point is outside the city, naming the municipality it is in when known."""
    ja, en = place.municipality_ja, place.municipality_en
    if not (ja or en) and place.area is not None:
        ja, en = place.area.name_ja, place.area.name_en
    return outside_words(ctx.city, ctx.lang, (ja or "", en or ""), near=_near_border(ctx, place))


def outside_words(
    city: CityProfile, lang: str, municipality: tuple[str, str], *, near: bool
) -> tuple[str, ...]:
    """What a resident is told of a point outside the service area, on every channel (LINE,
    the web form, Open311): the municipality it is in (Japanese and English names), and when
    it lies near the border, that a point just inside would do."""
    ja, en = municipality
    name = (en if lang == catalogue.EN else ja) or ja or en
    city_name = catalogue.pick((city.name_ja, city.name_en), lang)
    if not name or name in (city.name_ja, city.name_en):
        # "this point is in Okayama City, outside Okayama City" is no help
        return (catalogue.say("location_unknown", lang, city=city_name),)
    lead: tuple[str, ...] = (catalogue.say("location_outside", lang, place=name, city=city_name),)
    if near:
        lead += (catalogue.say("location_outside_near", lang, city=city_name),)
    return lead


def border_answer(ctx: Ctx, value: str) -> Outcome:
    """Yes keeps the point held near the border; no asks for the place again."""
    draft = ctx.draft
    point = draft.pop("border_point", None)
    if value == "yes" and isinstance(point, dict) and has_point(point):
        draft = {k: v for k, v in draft.items() if k not in POINT_KEYS}
        draft.update({k: point.get(k) for k in POINT_KEYS})
        return advance(ctx, draft, lead=(ctx.say("location_ok", area=area_name(ctx, draft)),))
    if value not in ("yes", "no"):
        return reprompt(ctx)
    return enter(ctx, "location", draft)
