"""Where documents' bytes live, addressed by their SHA-256: the same bytes are stored once,
whoever files them, and what comes back can be checked against the hash the audit trail holds.

``LocalStore`` (the default) keeps them under a directory, two levels of fan-out
(``ab/cd/abcd…``), each file written to a temporary name and renamed into place so that a
reader never sees half a file. ``S3Store`` keeps them in an S3-compatible bucket (MinIO, Ceph,
a cloud's object storage) through boto3, the optional extra ``landflow[s3]``; credentials come
from boto3's usual sources (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an
instance role), never from Landflow's settings.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from workflow.config import Settings
from workflow.errors import DocumentStoreUnavailable

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class DocumentStore(Protocol):
    def put(self, sha256: str, data: bytes, media_type: str) -> None: ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...


def _checked(sha256: str) -> str:
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


class LocalStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        sha256 = _checked(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes, media_type: str) -> None:
        target = self.path(sha256)
        if target.exists() and target.stat().st_size == len(data):
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as err:
            raise DocumentStoreUnavailable({"reason": type(err).__name__}) from err

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except OSError as err:
            raise DocumentStoreUnavailable({"reason": type(err).__name__}) from err

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()


class S3Store:
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, client: Any = None) -> None:
        if client is None:
            try:
                import boto3
            except ImportError as err:  # the optional extra is not installed
                raise RuntimeError("LANDFLOW_DOCUMENTS_STORE=s3 needs boto3: "
                                   "pip install 'landflow[s3]'") from err
            client = boto3.client("s3", endpoint_url=endpoint_url or None,
                                  region_name=region or None)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def key(self, sha256: str) -> str:
        return self.prefix + _checked(sha256)

    def put(self, sha256: str, data: bytes, media_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=data,
                                   ContentType=media_type,
                                   Metadata={"sha256": sha256})
        except Exception as err:  # noqa: BLE001 - botocore's errors are many; all mean "down"
            raise DocumentStoreUnavailable({"reason": type(err).__name__}) from err

    def get(self, sha256: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))[  # type: ignore[no-any-return]
                "Body"].read()
        except Exception as err:  # noqa: BLE001
            raise DocumentStoreUnavailable({"reason": type(err).__name__}) from err

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except Exception:  # noqa: BLE001 - a 404 and an outage both mean "not here now"
            return False
        return True


def store_for(settings: Settings) -> DocumentStore:
    """The store the settings name (``LANDFLOW_DOCUMENTS_STORE``)."""
    if settings.documents_store == "local":
        return LocalStore(settings.documents_dir)
    if settings.documents_store == "s3":
        if not settings.s3_bucket:
            raise RuntimeError("LANDFLOW_DOCUMENTS_STORE=s3 needs LANDFLOW_S3_BUCKET")
        return S3Store(settings.s3_bucket, settings.s3_prefix,
                       endpoint_url=settings.s3_endpoint_url, region=settings.s3_region)
    raise RuntimeError(f"LANDFLOW_DOCUMENTS_STORE must be local or s3, not "
                       f"{settings.documents_store!r}")
