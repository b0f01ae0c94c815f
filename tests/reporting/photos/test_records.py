"""store_photo: a cleaned photo is stored and recorded; a refused one leaves no trace."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import pool
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.models import Conversation
from reporting.models import Photo
from reporting.models import Resident
from reporting.photos.cleaning import CorruptImage
from reporting.photos.cleaning import UnsupportedImage
from reporting.photos.records import store_photo
from reporting.photos.store import FilesystemPhotoStore
from tests.reporting.images import encode
from tests.reporting.images import noise


@pytest.fixture
def session(fresh_db_url: str):
    engine = create_engine(fresh_db_url, poolclass=pool.NullPool)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.fixture
def draft(session: Session) -> Conversation:
    resident = Resident(line_user_id="U" + "3" * 32)
    session.add(resident)
    session.flush()
    chat = Conversation(resident_id=resident.id)
    session.add(chat)
    session.commit()
    return chat


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_photo_is_cleaned_stored_and_recorded(
    session: Session, draft: Conversation, tmp_path: Path
) -> None:
    store = FilesystemPhotoStore(tmp_path)
    data = encode(noise("RGB", (800, 600), 3), "JPEG")
    photo = store_photo(session, store, data, conversation_id=draft.id, line_message_id="42")
    session.commit()
    row = session.scalars(select(Photo)).one()
    assert (row.width, row.height, row.line_message_id) == (800, 600, "42")
    assert store.read(row.storage_key)[:2] == b"\xff\xd8"
    assert row.size_bytes == len(store.read(row.storage_key))
    assert row.content_hash == row.storage_key == photo.storage_key
    assert store.read(row.thumbnail_key) != store.read(row.storage_key)
    assert len(files(tmp_path)) == 2


@pytest.mark.parametrize(
    "data, error",
    [(b"<svg xmlns='http://www.w3.org/2000/svg'/>", UnsupportedImage), (None, CorruptImage)],
    ids=["svg", "truncated-jpeg"],
)
def test_a_refused_photo_writes_nothing(
    session: Session, draft: Conversation, tmp_path: Path, data: bytes | None, error: type
) -> None:
    if data is None:
        whole = encode(noise("RGB", (800, 600), 4), "JPEG")
        data = whole[: len(whole) // 2]
    store = FilesystemPhotoStore(tmp_path)
    with pytest.raises(error) as refused:
        store_photo(session, store, data, conversation_id=draft.id)
    assert refused.value.message_ja
    session.commit()
    assert session.scalar(select(func.count()).select_from(Photo)) == 0
    assert files(tmp_path) == []


def test_a_photo_belongs_to_something(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="report or to a draft"):
        store_photo(
            session, FilesystemPhotoStore(tmp_path), encode(noise("RGB", (64, 64), 1), "JPEG")
        )
