"""Reports from the web form: checked like a resident's on LINE, filed with source ``web``.

The pipeline: check the place (inside the service area, or a refusal naming the
municipality in LINE's words) → clean the photos (the photo pipeline) and store them → keep
the draft in the browser's signed session for the confirmation → file the report, with a
private status link whose token only the resident holds (its SHA-256 is kept). Nothing
personal is asked or kept.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from gis import wards
from reporting.city_profile import CityProfile
from reporting.dialogue.place import outside_words
from reporting.dialogue.values import DEFAULT_SETTINGS
from reporting.models import Report
from reporting.photos.cleaning import CleanedPhoto
from reporting.photos.cleaning import clean_photo
from reporting.photos.records import save_photo
from reporting.photos.store import PhotoStore
from reporting.reports import OutsideServiceArea
from reporting.reports import create_report

SOURCE = "web"
MAX_PHOTOS = 4
MAX_NOTE = 1000
# A confirmation left this long is asked again: the stored photos it names are collected a
# day after nothing refers to them.
DRAFT_LIFETIME = timedelta(hours=2)


class PlaceRefused(ValueError):
    """The point is not in the service area; the message says where it is, as LINE does."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DraftExpired(LookupError):
    """The confirmation came too late, or its photos are gone: the form must be sent again."""


@dataclass(frozen=True)
class DraftPhoto:
    """A cleaned, stored photo waiting for the confirmation."""

    content_hash: str
    thumbnail_key: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int


@dataclass(frozen=True)
class Draft:
    """A checked web report, kept in the session until the resident confirms it."""

    kind: str
    lon: float
    lat: float
    area_code: str
    note: str | None
    photos: tuple[DraftPhoto, ...]
    made_at: float  # a POSIX time: the session holds JSON

    def as_session(self) -> dict[str, Any]:
        return {**asdict(self), "photos": [asdict(p) for p in self.photos]}

    @classmethod
    def from_session(cls, raw: Any, now: datetime) -> "Draft":
        """Read a draft back; a missing, malformed or stale one is DraftExpired."""
        try:
            draft = cls(**{**raw, "photos": tuple(DraftPhoto(**p) for p in raw["photos"])})
        except (TypeError, KeyError):
            raise DraftExpired() from None
        if now.timestamp() - draft.made_at > DRAFT_LIFETIME.total_seconds():
            raise DraftExpired()
        return draft


def check_place(
    session: Session, city: CityProfile, lon: float, lat: float, lang: str
) -> wards.AreaRef:
    """Return the ward holding the point, or refuse it naming the municipality it is in."""
    wards.check_lon_lat(lon, lat)
    area = wards.locate(session, lon, lat)
    if area is not None and area.in_service_area:
        return area
    raise PlaceRefused(outside_message(session, city, area, lon, lat, lang))


def outside_message(
    session: Session, city: CityProfile, area: wards.AreaRef | None, lon: float, lat: float,
    lang: str,
) -> str:
    """Say what LINE says of a point outside the service area, in the page's language."""
    within = DEFAULT_SETTINGS.border_check_m
    near = wards.distance_to_service_border(session, lon, lat, within_m=within) is not None
    names = (area.name_ja, area.name_en) if area else ("", "")
    return " ".join(outside_words(city, lang, names, near=near))


def store_photos(store: PhotoStore, uploads: Sequence[bytes]) -> tuple[DraftPhoto, ...]:
    """Clean and store each upload; PhotoRejected propagates, naming what is wrong."""
    cleaned = [clean_photo(data) for data in uploads]
    kept = []
    for photo in cleaned:
        store.put(photo.jpeg)
        kept.append(
            DraftPhoto(
                content_hash=photo.content_hash,
                thumbnail_key=store.put(photo.thumbnail),
                width=photo.width,
                height=photo.height,
                thumb_width=photo.thumb_width,
                thumb_height=photo.thumb_height,
            )
        )
    return tuple(kept)


def new_token() -> tuple[str, str]:
    """Return a status-link token and the hash kept of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The SHA-256 of a status-link token, as stored."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def file_report(
    session: Session,
    city: CityProfile,
    store: PhotoStore,
    draft: Draft,
    *,
    now: datetime,
) -> tuple[Report, str]:
    """File the confirmed draft; return the report and its status-link token. Caller commits."""
    kind = city.kind(draft.kind)
    if kind is None:
        raise DraftExpired()
    photos = [_restored(store, p) for p in draft.photos]
    token, hashed = new_token()
    try:
        report = create_report(
            session, category=kind.category.code, subcategory=kind.subcategory.code,
            lon=draft.lon, lat=draft.lat, now=now, note=draft.note, source=SOURCE,
        )  # fmt: skip
    except OutsideServiceArea:
        raise DraftExpired() from None  # the city's areas changed since the check
    report.status_token_hash = hashed
    for position, photo in enumerate(photos):
        save_photo(session, store, photo, report_id=report.id, position=position)
    return report, token


def _restored(store: PhotoStore, photo: DraftPhoto) -> CleanedPhoto:
    """The stored, already cleaned photo, read back; gone means the draft expired."""
    try:
        jpeg, thumbnail = store.read(photo.content_hash), store.read(photo.thumbnail_key)
    except LookupError:  # PhotoNotFound
        raise DraftExpired() from None
    return CleanedPhoto(
        jpeg=jpeg, width=photo.width, height=photo.height, thumbnail=thumbnail,
        thumb_width=photo.thumb_width, thumb_height=photo.thumb_height,
        content_hash=photo.content_hash,
    )  # fmt: skip

