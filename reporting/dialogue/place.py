"""Where the damage is: a sent location kept, refused, or confirmed near the border."""

from reporting import conversation_text as catalogue
from reporting.dialogue.context import Ctx
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


def locate(ctx: Ctx, location: Location) -> Outcome:
    """Keep a point inside the service area; near its border, ask first; outside, say where."""
    draft = {k: v for k, v in ctx.draft.items() if k not in POINT_KEYS}
    place = ctx.facts.place
    placed = finite(location.lon) and finite(location.lat)
    placed = placed and abs(location.lon) <= 180 and abs(location.lat) <= 90
    if place is None or not placed:
        unknown = ctx.say("location_unknown", city=ctx.city_name)
        return enter(ctx, "location", draft, lead=(unknown,))
    if not place.in_service_area:
        return enter(ctx, "location", draft, lead=_outside(ctx, place))
    area = place.area
    draft.update(
        lon=float(location.lon),
        lat=float(location.lat),
        address=excerpt(clean(location.address or location.title or ""), _MAX_ADDRESS) or None,
        area_code=area.code if area else next(iter(sorted(ctx.city.service_area)), ""),
        area_name_ja=area.name_ja if area else ctx.city.name_ja,
        area_name_en=area.name_en if area else ctx.city.name_en,
    )
    distance = place.border_distance_m
    if distance is not None and distance < ctx.settings.border_check_m:
        return enter(ctx, "confirm_location", draft)
    return advance(ctx, draft, lead=(ctx.say("location_ok", area=area_name(ctx, draft)),))


def _outside(ctx: Ctx, place: Place) -> tuple[str, ...]:
    """Name the municipality the point is in, when it is known."""
    ja, en = place.municipality_ja, place.municipality_en
    if not (ja or en) and place.area is not None:
        ja, en = place.area.name_ja, place.area.name_en
    name = (en if ctx.lang == catalogue.EN else ja) or ja or en
    if not name:
        return (ctx.say("location_unknown", city=ctx.city_name),)
    lead: tuple[str, ...] = (ctx.say("location_outside", place=name, city=ctx.city_name),)
    distance = place.border_distance_m
    if distance is not None and distance < ctx.settings.border_check_m:
        lead += (ctx.say("location_outside_near", city=ctx.city_name),)
    return lead


def border_answer(ctx: Ctx, value: str) -> Outcome:
    draft = ctx.draft
    if value == "yes" and has_point(draft):
        return advance(ctx, draft, lead=(ctx.say("location_ok", area=area_name(ctx, draft)),))
    if value not in ("yes", "no"):
        return reprompt(ctx)
    return enter(ctx, "location", {k: v for k, v in draft.items() if k not in POINT_KEYS})
