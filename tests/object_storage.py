"""An S3-compatible server for tests: moto's standalone server, run as its own HTTP process.

No S3-compatible server installs on these machines, so moto (``moto[server]`` from PyPI) is
the one stand-in besides the fake LINE Platform. Tsuho reaches it over real HTTP through
boto3, exactly as it would reach MinIO or AWS.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

from reporting.photos.s3 import S3PhotoStore
from tests.processes import BIN
from tests.processes import free_port
from tests.processes import start
from tests.processes import wait_until

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "tsuho-test",
    "AWS_SECRET_ACCESS_KEY": "tsuho-test-secret",
    "AWS_REGION": "ap-northeast-1",
}


@dataclass(frozen=True)
class S3Server:
    url: str

    @property
    def env(self) -> dict[str, str]:
        """What a Tsuho process needs in its environment to use this server."""
        return {"AWS_ENDPOINT_URL_S3": self.url, **CREDENTIALS}

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_REGION"],
            config=Config(s3={"addressing_style": "path"}),
        )

    def new_bucket(self) -> str:
        """Create an empty bucket of a test's own; return its name."""
        name = f"tsuho-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["AWS_REGION"]},
        )
        return name

    def store(self, bucket: str, prefix: str = "photos/") -> S3PhotoStore:
        return S3PhotoStore(self.client(), bucket, prefix)

    def object_names(self, bucket: str) -> list[str]:
        found = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in found.get("Contents", ()))


@contextmanager
def moto_server(log: Path) -> Iterator[S3Server]:
    """Run ``moto_server`` on a free loopback port until the block ends."""
    port = free_port()
    server = start([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], {}, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(url, server.popen.poll()), 60)
        yield S3Server(url)
    finally:
        server.stop()


def _answers(url: str, exited: int | None) -> bool:
    if exited is not None:
        raise RuntimeError(f"moto_server exited with {exited}")
    try:
        return requests.get(f"{url}/moto-api/", timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False
