"""Whole conversations as webhook events, built ahead of time for load and scale-out tests.

``photo_first_report`` is the one place that knows the steps of a resident's report: follow,
agree to the terms, then the four actions of a photo-first report (photo, place, kind, send).
Residents' places must lie more than 30 m apart, or the bot asks whether it is the same damage.
"""

from __future__ import annotations

from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import EventJson


def photo_first_report(
    events: EventBuilder,
    user_id: str,
    photo: bytes,
    lon: float,
    lat: float,
    terms_version: str,
) -> list[EventJson]:
    """Return the events of a resident who follows the account and files one report with a
    photo, in the order the resident sends them. None depends on the bot's answers."""
    return [
        events.follow(user_id),
        events.postback(user_id, f"consent=yes&v={terms_version}"),
        events.image(user_id, photo),
        events.location(user_id, lat, lon, address="岡山市北区"),
        events.postback(user_id, "kind=road.pothole"),
        events.postback(user_id, "confirm=send"),
    ]
