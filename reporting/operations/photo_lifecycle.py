"""When stored photos go: draft photos of abandoned reports, and objects nothing refers to.

A photo's bytes are written before the row that refers to them commits, so a crash in
between, a draft the resident abandoned or cancelled, or a photo they unsent leaves bytes no
report needs: personal data kept for no purpose. ``collect`` deletes them once they are older
than a grace period. Writers and the collector agree through a PostgreSQL advisory lock per
key (``hold_keys``): a writer holds it, shared, from before its upload until its row commits;
the collector takes it exclusively and checks the references again before deleting, so it
never deletes bytes that a transaction in flight is about to refer to.
"""

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import union
from sqlalchemy.orm import Session

from reporting.models import Conversation
from reporting.models import Photo
from reporting.photos.store import PhotoStore
from reporting.photos.store import StoredPhoto

# Bytes nothing refers to are kept this long: enough for any transaction that wrote them to
# have committed or died, and for an operator to notice a mistake.
GRACE = timedelta(days=1)


@dataclass(frozen=True)
class Collected:
    """What one collection removed (or, dry, would remove)."""

    draft_photos: int
    objects: tuple[StoredPhoto, ...]

    @property
    def bytes(self) -> int:
        return sum(entry.size for entry in self.objects)


def hold_keys(session: Session, keys: Iterable[str]) -> None:
    """Hold the keys against the collector until the session's transaction ends."""
    for key in sorted(set(keys)):  # one order for every writer, so two never deadlock
        session.execute(
            text("SELECT pg_advisory_xact_lock_shared(hashtextextended(:key, 0))"), {"key": key}
        )


def abandoned_drafts(session: Session, idle_before: datetime, *, dry_run: bool) -> int:
    """Remove the photo rows of drafts untouched since idle_before; return how many.

    The conversation expires such a draft anyway on the resident's next message; this lets
    the photos go without waiting for one.
    """
    stale = select(Conversation.id).where(Conversation.updated_at < idle_before)
    where = (Photo.report_id.is_(None), Photo.conversation_id.in_(stale))
    if dry_run:
        return len(session.scalars(select(Photo.id).where(*where)).all())
    return int(session.execute(delete(Photo).where(*where)).rowcount)  # type: ignore[attr-defined]


def collect(
    session: Session, store: PhotoStore, now: datetime, *, grace: timedelta = GRACE,
    dry_run: bool = False,
) -> tuple[StoredPhoto, ...]:
    """Delete stored photos that no row refers to and that are older than grace.

    Commits the session once per deleted key (the lock is released with each commit).
    """
    referenced = _referenced(session)
    session.rollback()
    removed = []
    for entry in _unreferenced(store, referenced, now - grace):
        if dry_run:
            removed.append(entry)
            continue
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": entry.key}
        )
        if not _is_referenced(session, entry.key):
            store.delete(entry.key)
            removed.append(entry)
        session.commit()
    return tuple(removed)


def _referenced(session: Session) -> set[str]:
    keys = union(select(Photo.storage_key), select(Photo.thumbnail_key))
    return set(session.scalars(select(keys.subquery().c[0])).all())


def _unreferenced(
    store: PhotoStore, referenced: set[str], written_before: datetime
) -> Iterator[StoredPhoto]:
    for entry in store.entries():
        if entry.key not in referenced and entry.modified_at < written_before:
            yield entry


def _is_referenced(session: Session, key: str) -> bool:
    query = select(
        exists().where(or_(Photo.storage_key == key, Photo.thumbnail_key == key))
    )
    return bool(session.scalar(query))
