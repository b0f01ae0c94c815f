"""Photo storage behind one small interface: files on a disk, or an S3-compatible bucket.

Keys are the SHA-256 of the stored bytes: identical photos are stored once, and a key names
its content for good. Deleting is the caller's call to make only when no report still refers
to the key, since two reports may share a photo (``operations.photo_lifecycle`` decides).
"""

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from typing import Protocol

_KEY = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".tmp-"


class PhotoNotFound(LookupError):
    """No photo is stored under this key."""


class InvalidPhotoKey(PhotoNotFound, ValueError):
    """The key is not a lowercase SHA-256 hex digest, so no photo can be stored under it."""


@dataclass(frozen=True)
class StoredPhoto:
    """One stored object: its key, when it was last written, and its size in bytes."""

    key: str
    modified_at: datetime
    size: int


class PhotoStore(Protocol):
    """Where cleaned photos live; keys are the SHA-256 hex digests of their bytes."""

    def put(self, data: bytes) -> str:
        """Store the bytes, once however often they are put, and return their key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Return the stored bytes as a binary file, for streaming; raise PhotoNotFound."""
        ...

    def read(self, key: str) -> bytes:
        """Return the stored bytes; raise PhotoNotFound."""
        ...

    def exists(self, key: str) -> bool:
        """Say whether a photo is stored under the key."""
        ...

    def delete(self, key: str) -> None:
        """Remove the photo; deleting one that is not there is not an error, so retries work."""
        ...

    def entries(self) -> Iterator[StoredPhoto]:
        """Yield every stored photo with its age and size; unfinished writes are not photos."""
        ...


def photo_key(data: bytes) -> str:
    """Return the key the bytes are stored under."""
    return hashlib.sha256(data).hexdigest()


def check_key(key: object) -> str:
    """Return the key if it is a lowercase SHA-256 hex digest, which also rules out paths."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidPhotoKey(f"not a photo key: {key!r}")
    return key


class FilesystemPhotoStore:
    """Photos as files under root, at root/ab/cd/<key>.jpg, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Return where the photo with this key lives, after checking the key."""
        key = check_key(key)
        return self.root / key[:2] / key[2:4] / f"{key}.jpg"

    def put(self, data: bytes) -> str:
        """Store the bytes, once however often they are put, and return their key."""
        key = photo_key(data)
        path = self.path(key)
        try:
            if path.stat().st_size == len(data):
                return key  # same hash and size: these very bytes are already stored
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_atomically(path, data)
        return key

    def open(self, key: str) -> BinaryIO:
        """Return the stored bytes as a binary file, for streaming; raise PhotoNotFound."""
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise PhotoNotFound(key) from None

    def read(self, key: str) -> bytes:
        """Return the stored bytes; raise PhotoNotFound."""
        with self.open(key) as file:
            return file.read()

    def exists(self, key: str) -> bool:
        """Say whether a photo is stored under the key."""
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the photo; deleting one that is not there is not an error, so retries work."""
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        """Yield the key of every stored photo; unfinished writes are not photos."""
        for entry in self.entries():
            yield entry.key

    def entries(self) -> Iterator[StoredPhoto]:
        """Yield every stored photo with its age and size; unfinished writes are not photos."""
        for path in self.root.glob("??/??/*.jpg"):
            key = path.stem
            if not (_KEY.fullmatch(key) and path == self.path(key)):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # deleted since it was listed
            yield StoredPhoto(key, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size)

    def remove_stale_temp_files(self, older_than: float = 3600.0) -> int:
        """Delete temp files a crashed writer left over an hour (by default) ago; say how many."""
        cutoff = time.time() - older_than
        removed = 0
        for path in self.root.glob(f"??/??/{_TEMP_PREFIX}*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # its writer finished or another sweep got there first
        return removed

    def _write_atomically(self, path: Path, data: bytes) -> None:
        """Write to a temp file beside path, flush it to disk, then rename it into place."""
        # The rename is atomic within a directory: readers see the whole photo or none, and a
        # crash at any point leaves at most a temp file, which keys() and open() never see.
        fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in the directory durable, not only visible."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
