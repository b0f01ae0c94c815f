"""The S3 photo store against moto's standalone S3 server, over real HTTP through boto3."""

import hashlib

import pytest

from reporting.photos.s3 import InvalidStoreUrl
from reporting.photos.s3 import S3PhotoStore
from reporting.photos.s3 import parse_url
from reporting.photos.store import InvalidPhotoKey
from reporting.photos.store import PhotoNotFound
from reporting.photos.store import PhotoStore
from reporting.settings import ConfigError
from tests.conftest import AppFactory
from tests.object_storage import S3Server
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
def store(s3_server: S3Server, bucket: str) -> S3PhotoStore:
    return s3_server.store(bucket, "city/photos/")


def test_put_get_exists_delete(s3_server: S3Server, bucket: str, store: S3PhotoStore) -> None:
    key = store.put(PHOTO)
    assert key == hashlib.sha256(PHOTO).hexdigest()
    assert store.exists(key)
    assert store.read(key) == PHOTO
    body = store.open(key)
    assert body.read() == PHOTO
    body.close()
    assert s3_server.object_names(bucket) == [f"city/photos/{key[:2]}/{key[2:4]}/{key}.jpg"]
    head = s3_server.client().head_object(Bucket=bucket, Key=store.name(key))
    assert head["ContentType"] == "image/jpeg"

    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(PhotoNotFound):
        store.read(key)
    store.delete(key)  # again: not an error, so a retried delete succeeds
    assert s3_server.object_names(bucket) == []


def test_identical_bytes_are_stored_once(s3_server: S3Server, bucket: str) -> None:
    store = s3_server.store(bucket, "")
    first, second = store.put(PHOTO), store.put(PHOTO)
    assert first == second
    assert len(s3_server.object_names(bucket)) == 1
    other = store.put(PHOTO + b"\x00")
    assert other != first
    assert len(s3_server.object_names(bucket)) == 2


def test_entries_list_photos_with_size_and_age_and_nothing_else(
    s3_server: S3Server, bucket: str, store: S3PhotoStore
) -> None:
    key = store.put(PHOTO)
    client = s3_server.client()
    # Objects that are not photos of this store: another prefix, a stray name, a wrong path.
    client.put_object(Bucket=bucket, Key="elsewhere/ab/cd/" + "a" * 64 + ".jpg", Body=b"x")
    client.put_object(Bucket=bucket, Key="city/photos/notes.txt", Body=b"x")
    client.put_object(Bucket=bucket, Key=f"city/photos/00/00/{key}.jpg", Body=b"x")
    entries = list(store.entries())
    assert [(e.key, e.size) for e in entries] == [(key, len(PHOTO))]
    assert entries[0].modified_at.tzinfo is not None


def test_keys_are_checked_before_any_request(store: S3PhotoStore) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "a" * 63, ""):
        with pytest.raises(InvalidPhotoKey):
            store.read(bad)
        with pytest.raises(InvalidPhotoKey):
            store.delete(bad)
    with pytest.raises(PhotoNotFound):
        store.read("0" * 64)


def test_the_store_fits_the_interface(store: S3PhotoStore) -> None:
    interface: PhotoStore = store
    assert interface.read(interface.put(b"x")) == b"x"


def test_store_urls() -> None:
    assert parse_url("s3://tsuho-photos") == ("tsuho-photos", "")
    assert parse_url("s3://tsuho-photos/okayama/") == ("tsuho-photos", "okayama/")
    assert parse_url("s3://b/a/b") == ("b", "a/b/")
    for bad in ("s3://", "http://bucket/x", "bucket/prefix", "s3://b/p?x=1"):
        with pytest.raises(InvalidStoreUrl):
            parse_url(bad)


def test_the_app_stores_in_the_bucket_and_streams_photos_to_staff_only(
    s3_server: S3Server,
    bucket: str,
    fresh_areas_db_url: str,
    make_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    app = make_app(
        fresh_areas_db_url, PHOTO_STORE=f"s3://{bucket}/okayama", PHOTO_S3_PATH_STYLE=True
    )
    store = app.extensions["tsuho.photos"]
    assert isinstance(store, S3PhotoStore)
    key = store.put(PHOTO)
    assert s3_server.object_names(bucket) == [f"okayama/{key[:2]}/{key[2:4]}/{key}.jpg"]
    add_user(app, "tanaka", "staff")
    staff = app.test_client()
    log_in(staff, "tanaka")
    with staff.get(f"/staff/photos/{key}") as response:
        assert response.status_code == 200
        assert response.data == PHOTO
        assert response.mimetype == "image/jpeg"
        assert "private" in response.headers["Cache-Control"]
    assert staff.get("/staff/photos/" + "0" * 64).status_code == 404
    anonymous = app.test_client().get(f"/staff/photos/{key}")
    assert anonymous.status_code == 302


def test_a_wrong_photo_store_url_stops_the_app(
    fresh_db_url: str, make_app: AppFactory
) -> None:
    with pytest.raises(ConfigError):
        make_app(fresh_db_url, PHOTO_STORE="/var/photos")
    with pytest.raises(InvalidStoreUrl):
        make_app(fresh_db_url, PHOTO_STORE="s3://")
