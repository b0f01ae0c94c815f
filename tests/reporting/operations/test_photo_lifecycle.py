"""Photo garbage collection: bytes no row refers to go after the grace period, never sooner,
and never from under a transaction that is about to refer to them (disk and S3 alike)."""

import threading
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import pool
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.orm import Session

from reporting.models import Conversation
from reporting.models import Photo
from reporting.models import Resident
from reporting.operations.photo_lifecycle import GRACE
from reporting.operations.photo_lifecycle import abandoned_drafts
from reporting.operations.photo_lifecycle import collect
from reporting.photos.records import store_photo
from reporting.photos.store import FilesystemPhotoStore
from reporting.photos.store import PhotoStore
from tests.object_storage import S3Server
from tests.reporting.images import encode
from tests.reporting.images import noise

LATER = timedelta(days=2)  # past the grace period


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PhotoStore:
    if request.param == "filesystem":
        return FilesystemPhotoStore(tmp_path / "photos")
    server: S3Server = request.getfixturevalue("s3_server")
    return server.store(server.new_bucket())


@pytest.fixture
def engine(fresh_db_url: str) -> Iterator:
    engine = create_engine(fresh_db_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def new_draft(session: Session, user: str) -> int:
    resident = Resident(line_user_id=user)
    session.add(resident)
    session.flush()
    chat = Conversation(resident_id=resident.id)
    session.add(chat)
    session.commit()
    return chat.id


def jpeg(seed: int) -> bytes:
    return encode(noise("RGB", (64, 48), seed), "JPEG")


def stored_keys(store: PhotoStore) -> set[str]:
    return {entry.key for entry in store.entries()}


def test_a_crash_between_upload_and_commit_leaves_nothing_after_collection(
    engine, store: PhotoStore
) -> None:
    with Session(engine) as session:
        kept = store_photo(session, store, jpeg(1), conversation_id=new_draft(session, "U1"))
        session.commit()
        kept_key = kept.storage_key
        kept_keys = {kept_key, kept.thumbnail_key}
        chat = new_draft(session, "U2")
        lost = store_photo(session, store, jpeg(2), conversation_id=chat)
        lost_keys = {lost.storage_key, lost.thumbnail_key}
        session.rollback()  # the worker died before its commit: the bytes are up, no row
        assert stored_keys(store) == kept_keys | lost_keys

        # Within the grace period a transaction may still be about to commit: nothing goes.
        assert collect(session, store, datetime.now(UTC)) == ()
        dry = collect(session, store, datetime.now(UTC) + LATER, dry_run=True)
        assert {entry.key for entry in dry} == lost_keys
        assert stored_keys(store) == kept_keys | lost_keys

        removed = collect(session, store, datetime.now(UTC) + LATER)
    assert {entry.key for entry in removed} == lost_keys
    assert stored_keys(store) == kept_keys
    assert store.read(kept_key)


def test_abandoned_drafts_lose_their_photos(engine, store: PhotoStore) -> None:
    with Session(engine) as session:
        fresh, stale = new_draft(session, "U3"), new_draft(session, "U4")
        store_photo(session, store, jpeg(3), conversation_id=fresh)
        gone = store_photo(session, store, jpeg(4), conversation_id=stale)
        gone_keys = {gone.storage_key, gone.thumbnail_key}
        session.execute(
            update(Conversation)
            .where(Conversation.id == stale)
            .values(updated_at=func.now() - timedelta(hours=3))
        )
        session.commit()
        idle_before = datetime.now(UTC) - timedelta(hours=2)
        assert abandoned_drafts(session, idle_before, dry_run=True) == 1
        assert session.scalar(select(func.count(Photo.id))) == 2
        assert abandoned_drafts(session, idle_before, dry_run=False) == 1
        session.commit()
        left = session.scalars(select(Photo.conversation_id)).all()
        removed = collect(session, store, datetime.now(UTC) + LATER)
    assert left == [fresh]
    assert {entry.key for entry in removed} == gone_keys


def test_the_collector_waits_for_a_writer_and_keeps_what_it_commits(
    engine, store: PhotoStore
) -> None:
    data = jpeg(5)
    with Session(engine) as setup:
        chat = new_draft(setup, "U5")
        old = store_photo(setup, store, data, conversation_id=chat)
        setup.rollback()  # orphaned bytes, old enough to collect once the clock moves on
    writer = Session(engine)
    # The same photo again: the bytes are there, so put() finds them; the row is not yet in.
    photo = store_photo(writer, store, data, conversation_id=chat)
    keys = (photo.storage_key, photo.thumbnail_key)
    assert keys[0] == old.storage_key
    results: list[tuple] = []
    collector = threading.Thread(
        target=lambda: results.append(
            collect(Session(engine), store, datetime.now(UTC) + GRACE + LATER)
        )
    )
    collector.start()
    with engine.connect() as watcher:  # until the collector waits on the writer's lock
        while not watcher.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
        ).scalar():
            collector.join(0.05)
            assert collector.is_alive(), results
    writer.commit()
    writer.close()
    collector.join(30)
    assert results == [()]
    assert store.read(keys[0]) and store.read(keys[1])
