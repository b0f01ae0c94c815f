"""The filesystem photo store: content-addressed, written atomically, no way out of its root."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from reporting.photos.store import FilesystemPhotoStore
from reporting.photos.store import InvalidPhotoKey
from reporting.photos.store import PhotoNotFound
from reporting.photos.store import PhotoStore
from reporting.photos.store import photo_key

ROOT = Path(__file__).resolve().parents[3]
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def store(tmp_path: Path) -> FilesystemPhotoStore:
    return FilesystemPhotoStore(tmp_path / "photos")


def test_put_returns_the_content_hash_and_reads_back(store: FilesystemPhotoStore) -> None:
    key = store.put(PHOTO)
    assert key == hashlib.sha256(PHOTO).hexdigest() == photo_key(PHOTO)
    assert store.exists(key)
    assert store.read(key) == PHOTO
    with store.open(key) as file:
        assert file.read() == PHOTO
    assert store.path(key) == store.root / key[:2] / key[2:4] / f"{key}.jpg"
    assert list(store.keys()) == [key]


def test_filesystem_store_fits_the_interface(store: FilesystemPhotoStore) -> None:
    interface: PhotoStore = store
    assert interface.read(interface.put(b"x")) == b"x"


def test_identical_bytes_are_stored_once(store: FilesystemPhotoStore) -> None:
    first = store.put(PHOTO)
    mtime = store.path(first).stat().st_mtime_ns
    assert store.put(bytes(PHOTO)) == first
    assert store.path(first).stat().st_mtime_ns == mtime  # not even rewritten
    other = store.put(PHOTO + b"\0")
    assert other != first
    assert sorted(store.keys()) == sorted([first, other])
    assert len(files_under(store.root)) == 2


def test_concurrent_puts_of_the_same_bytes_leave_one_file(store: FilesystemPhotoStore) -> None:
    start = threading.Barrier(8)
    keys: list[str] = []

    def put() -> None:
        start.wait()
        keys.append(store.put(PHOTO))

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert keys == [photo_key(PHOTO)] * 8
    assert files_under(store.root) == [store.path(keys[0])]
    assert store.read(keys[0]) == PHOTO


def test_delete_removes_the_photo_and_may_be_retried(store: FilesystemPhotoStore) -> None:
    key = store.put(PHOTO)
    store.delete(key)
    assert not store.exists(key)
    assert list(store.keys()) == []
    store.delete(key)
    with pytest.raises(PhotoNotFound):
        store.read(key)


def test_missing_photo_is_not_found(store: FilesystemPhotoStore) -> None:
    missing = photo_key(b"never stored")
    assert not store.exists(missing)
    with pytest.raises(PhotoNotFound):
        store.open(missing)
    with pytest.raises(PhotoNotFound):
        store.read(missing)


BAD_KEYS = [
    "../../../etc/passwd",
    "/etc/passwd",
    "ab/" + "0" * 61,
    "..",
    "",
    "0" * 63,
    "0" * 65,
    "0" * 63 + "\n",
    "0" * 64 + "\n",
    "A" * 64,
    "g" * 64,
    "0" * 62 + "/.",
    "\0" * 64,
    "０" * 64,  # full-width digits are digits to str.isdigit, not to us
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_keys_that_are_not_digests_are_refused(store: FilesystemPhotoStore, key: str) -> None:
    store.put(PHOTO)
    for call in (store.open, store.read, store.exists, store.delete, store.path):
        with pytest.raises(InvalidPhotoKey):
            call(key)
    assert files_under(store.root) == [store.path(photo_key(PHOTO))]


def test_a_bad_key_is_also_not_found(store: FilesystemPhotoStore) -> None:
    # One except clause serves a route that turns both into 404.
    with pytest.raises(PhotoNotFound):
        store.read("../secret")
    with pytest.raises(ValueError):
        store.read(None)  # type: ignore[arg-type]


def crash_child(store_root: Path, data_size: int, crash: str) -> subprocess.CompletedProcess:
    """Run a put in a child process that dies abruptly, as `crash` arranges."""
    code = textwrap.dedent(f"""
        import os, resource, signal
        from pathlib import Path
        from reporting.photos.store import FilesystemPhotoStore
        if {crash!r} == "mid-write":
            # Die of SIGXFSZ once a file passes 1000 bytes, with no chance to clean up.
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        else:
            # Die the moment the finished temp file would be renamed into place.
            os.replace = lambda *args: os._exit(3)
        FilesystemPhotoStore(Path({str(store_root)!r})).put(bytes(range(256)) * {data_size // 256})
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)


@pytest.mark.parametrize("crash", ["mid-write", "before-rename"])
def test_a_crash_while_writing_leaves_no_visible_photo(tmp_path: Path, crash: str) -> None:
    store = FilesystemPhotoStore(tmp_path / "photos")
    data = bytes(range(256)) * 20
    key = photo_key(data)

    result = crash_child(store.root, len(data), crash)

    expected = -signal.SIGXFSZ if crash == "mid-write" else 3
    assert result.returncode == expected, result.stderr
    leftovers = files_under(store.root)
    assert len(leftovers) == 1, "the child died with its write unfinished"
    assert leftovers[0].stat().st_size == (1000 if crash == "mid-write" else len(data))
    # Whatever was written, nothing under the photo's key is visible.
    assert not store.exists(key)
    assert not store.path(key).exists()
    assert list(store.keys()) == []
    with pytest.raises(PhotoNotFound):
        store.read(key)
    # The next put of the same bytes succeeds in full, and the sweep clears the leftover.
    assert store.put(data) == key and store.read(key) == data
    assert store.remove_stale_temp_files(older_than=3600) == 0
    old = time.time() - 7200
    os.utime(leftovers[0], (old, old))
    assert store.remove_stale_temp_files(older_than=3600) == 1
    assert files_under(store.root) == [store.path(key)]


def test_a_failed_write_cleans_up_after_itself(
    store: FilesystemPhotoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        store.put(PHOTO)
    assert files_under(store.root) == []
    assert not store.exists(photo_key(PHOTO))
