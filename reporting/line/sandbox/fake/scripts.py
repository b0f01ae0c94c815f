"""Whole conversations as webhook events, built ahead of time for load and scale-out tests.

``photo_first_report`` is the one place that knows the steps of a resident's report. It
follows today's dialogue (consent, "通報", category, subcategory, photo, location, no note,
send); once a photo sent while idle starts a report, only this function changes.
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
        events.text(user_id, "通報"),
        events.postback(user_id, "cat=road"),
        events.postback(user_id, "sub=pothole"),
        events.image(user_id, photo),
        events.postback(user_id, "photos=next"),
        events.location(user_id, lat, lon, address="岡山市北区"),
        events.postback(user_id, "note=skip"),
        events.postback(user_id, "confirm=send"),
    ]
