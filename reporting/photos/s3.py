"""Photos in an S3-compatible bucket (AWS S3, MinIO, ...), for deployments on several machines.

Configured by ``PHOTO_STORE=s3://bucket/prefix``; boto3 reads the endpoint, region and keys
from its own environment variables (``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``,
``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``). Objects are named as files
are on disk, ``prefix/ab/cd/<key>.jpg``, and are private: staff see them through the app.
"""

import re
from collections.abc import Iterator
from typing import Any
from typing import BinaryIO
from typing import cast
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from reporting.photos.store import PhotoNotFound
from reporting.photos.store import StoredPhoto
from reporting.photos.store import check_key
from reporting.photos.store import photo_key

_NAME = re.compile(r"(?:.*/)?[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})\.jpg")
_MISSING = {"404", "NoSuchKey", "NotFound"}


class InvalidStoreUrl(ValueError):
    """PHOTO_STORE is not ``s3://bucket`` or ``s3://bucket/prefix``."""


def parse_url(url: str) -> tuple[str, str]:
    """Return the bucket and the key prefix (empty, or ending in "/") of an ``s3://`` URL."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise InvalidStoreUrl(f"PHOTO_STORE must look like s3://bucket/prefix, not {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3PhotoStore:
    """Photos as objects in one bucket, under a prefix; one client per process, thread-safe."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, path_style: bool = False) -> "S3PhotoStore":
        """Connect to the bucket an ``s3://`` URL names; path-style for MinIO and the like."""
        bucket, prefix = parse_url(url)
        config = Config(
            s3={"addressing_style": "path" if path_style else "auto"},
            retries={"mode": "standard", "max_attempts": 5},
            connect_timeout=3.05,
            read_timeout=20,
        )
        return cls(boto3.session.Session().client("s3", config=config), bucket, prefix)

    def name(self, key: str) -> str:
        """Return the object name of a photo key, after checking the key."""
        key = check_key(key)
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}.jpg"

    def put(self, data: bytes) -> str:
        """Store the bytes, once however often they are put, and return their key."""
        key = photo_key(data)
        name = self.name(key)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=name)
            if head["ContentLength"] == len(data):
                return key  # same hash and size: these very bytes are already stored
        except ClientError as exc:
            if not _missing(exc):
                raise
        # S3 writes an object whole or not at all, and checks the bytes against the digest.
        self.client.put_object(
            Bucket=self.bucket,
            Key=name,
            Body=data,
            ContentType="image/jpeg",
            ChecksumAlgorithm="SHA256",
        )
        return key

    def open(self, key: str) -> BinaryIO:
        """Return the stored bytes as a stream; raise PhotoNotFound."""
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.name(key))
        except ClientError as exc:
            if _missing(exc):
                raise PhotoNotFound(key) from None
            raise
        return cast(BinaryIO, found["Body"])

    def read(self, key: str) -> bytes:
        """Return the stored bytes; raise PhotoNotFound."""
        body = self.open(key)
        try:
            return body.read()
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        """Say whether a photo is stored under the key."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.name(key))
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        """Remove the photo; S3 answers a delete of a missing object as done, so retries work."""
        self.client.delete_object(Bucket=self.bucket, Key=self.name(key))

    def entries(self) -> Iterator[StoredPhoto]:
        """Yield every photo under the prefix, with its age and size, a page at a time."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", ()):
                match = _NAME.fullmatch(item["Key"])
                if match and item["Key"] == self.name(match.group(1)):
                    yield StoredPhoto(match.group(1), item["LastModified"], item["Size"])


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING
