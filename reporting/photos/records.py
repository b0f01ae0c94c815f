"""Keeping a cleaned photo: its bytes in the photo store, its row beside the report or draft."""

from sqlalchemy import delete
from sqlalchemy.orm import Session

from reporting.models import Photo
from reporting.operations import metrics
from reporting.operations.photo_lifecycle import hold_keys
from reporting.photos.cleaning import CleanedPhoto
from reporting.photos.cleaning import PhotoLimits
from reporting.photos.cleaning import clean_photo
from reporting.photos.store import PhotoStore
from reporting.photos.store import photo_key


def store_photo(
    session: Session,
    store: PhotoStore,
    data: bytes,
    *,
    report_id: int | None = None,
    conversation_id: int | None = None,
    line_message_id: str | None = None,
    limits: PhotoLimits = PhotoLimits(),
) -> Photo:
    """Clean, store and record a photo; when cleaning refuses it, nothing at all is written.

    The PhotoRejected error propagates, carrying the message for the resident.
    """
    with metrics.PHOTO_CLEAN_SECONDS.time():
        cleaned = clean_photo(data, limits)
    return save_photo(
        session,
        store,
        cleaned,
        report_id=report_id,
        conversation_id=conversation_id,
        line_message_id=line_message_id,
    )


def save_photo(
    session: Session,
    store: PhotoStore,
    cleaned: CleanedPhoto,
    *,
    report_id: int | None = None,
    conversation_id: int | None = None,
    line_message_id: str | None = None,
    position: int = 0,
    kind: str = "resident",
) -> Photo:
    """Store an already cleaned photo and add its row; the caller commits."""
    if report_id is None and conversation_id is None:
        raise ValueError("a photo belongs to a report or to a draft")
    # Held until the caller's commit, so the collector cannot take the bytes in between.
    hold_keys(session, (cleaned.content_hash, photo_key(cleaned.thumbnail)))
    photo = Photo(
        report_id=report_id,
        conversation_id=conversation_id,
        position=position,
        content_hash=cleaned.content_hash,
        size_bytes=len(cleaned.jpeg),
        width=cleaned.width,
        height=cleaned.height,
        storage_key=store.put(cleaned.jpeg),
        thumbnail_key=store.put(cleaned.thumbnail),
        line_message_id=line_message_id,
        kind=kind,
    )
    session.add(photo)
    return photo


def store_after_repair_photo(
    session: Session,
    store: PhotoStore,
    data: bytes,
    *,
    report_id: int,
    limits: PhotoLimits = PhotoLimits(),
) -> Photo:
    """Clean and keep the photo staff took after the repair, replacing an earlier one.

    PhotoRejected propagates, with nothing written, as for a resident's photo.
    """
    cleaned = clean_photo(data, limits)
    session.execute(
        delete(Photo).where(Photo.report_id == report_id, Photo.kind == "after_repair")
    )
    photo = save_photo(session, store, cleaned, report_id=report_id, kind="after_repair")
    session.flush()
    return photo
