"""Stored photos as objects in an S3 bucket, for servers without a lasting disk (AWS Lambda).

Layout under the URL's prefix: `images/ab/<sha256>` for published photos and
`staging/<sha256>.<token>` for staged ones, the same two-phase scheme as the folder store.
boto3 is imported when a store is made, so nothing else pays for it.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from collections.abc import Iterator

from .files import ImageNotFoundError, ImageStore, ImageStoreError, StagedImage, is_image_hash, sha256_of

# S3's naming rules for a general purpose bucket, without the rarely met special cases.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

# What an operator should read for the refusals a misconfigured store meets; others show S3's own words.
_ACCESS_DENIED = (
    "access denied: the server's credentials need s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket "
    "on the bucket"
)
_REFUSALS = {
    "NoSuchBucket": "the bucket does not exist",
    "AccessDenied": _ACCESS_DENIED,
    "403": _ACCESS_DENIED,  # a HEAD request's refusal has no body, only its status
    "InvalidAccessKeyId": "the server's AWS access key is not valid",
    "SignatureDoesNotMatch": "the server's AWS secret key does not match its access key",
    "ExpiredToken": "the server's AWS credentials have expired",
}


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix/"); the prefix is "" for the whole bucket."""
    scheme, _, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme != "s3" or not _BUCKET_NAME.fullmatch(bucket):
        raise ValueError(f"expected s3://BUCKET or s3://BUCKET/PREFIX with a valid bucket name, got {url!r}")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


class S3ImageStore(ImageStore):
    """Objects at PREFIX/images/ab/abcdef...; staged objects at PREFIX/staging/<sha256>.<token>.

    What `exclusive` cannot give here: S3 has no lock that several processes could share, so it only
    makes the threads of one process take turns. Across processes (several Lambda containers) S3's
    strong read-after-write consistency keeps the rest sound: a published object is readable by every
    process at once; `publish` copies the staged object into place before deleting it, and accepts a
    staged object another process already published; `recover` leaves young staged objects alone. One
    race remains: a photo deleted in one process while the same photo is uploaded in another can lose
    its object in the few milliseconds between the check for references and the delete. The row then
    answers 404 `image_file_missing` for its file until the same photo is uploaded again.
    """

    def __init__(self, bucket: str, prefix: str = "") -> None:
        import boto3

        self.client = boto3.client("s3")
        self.bucket = bucket
        self.prefix = prefix
        self.url = f"s3://{bucket}/{prefix}"
        self._lock = threading.Lock()

    def key(self, sha256: str) -> str:
        if not is_image_hash(sha256):
            raise ImageNotFoundError(f"not an image hash: {sha256!r} (image store {self.url})")
        return f"{self.prefix}images/{sha256[:2]}/{sha256}"

    def stage(self, data: bytes) -> StagedImage:
        staged = StagedImage(sha256_of(data), secrets.token_hex(8))
        with self._s3_errors():
            self.client.put_object(Bucket=self.bucket, Key=self._staged_key(staged), Body=data)
        return staged

    def publish(self, staged: StagedImage) -> None:
        source, final = self._staged_key(staged), self.key(staged.sha256)
        if not self.exists(staged.sha256):
            try:
                with self._s3_errors():
                    self.client.copy_object(
                        Bucket=self.bucket, Key=final, CopySource={"Bucket": self.bucket, "Key": source}
                    )
            except ImageStoreError:
                # Another process's `recover` may have published this staged object already.
                if not self.exists(staged.sha256):
                    raise
        self.discard(staged)

    def discard(self, staged: StagedImage) -> None:
        with self._s3_errors():
            self.client.delete_object(Bucket=self.bucket, Key=self._staged_key(staged))

    def read(self, sha256: str) -> bytes:
        key = self.key(sha256)
        try:
            with self._s3_errors(missing_is_expected=True):
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except _Missing:
            raise ImageNotFoundError(f"image file {sha256} is missing from s3://{self.bucket}/{key}") from None

    def exists(self, sha256: str) -> bool:
        try:
            key = self.key(sha256)
            with self._s3_errors(missing_is_expected=True):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except (ImageNotFoundError, _Missing):
            return False
        return True

    def delete(self, sha256: str) -> None:
        # S3 answers a delete of an absent key with success, as the folder store's `missing_ok`.
        key = self.key(sha256)
        with self._s3_errors():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def hashes(self) -> Iterator[str]:
        for key, _ in self._objects("images/"):
            name = key.rpartition("/")[2]
            if is_image_hash(name):
                yield name

    def staged_images(self) -> Iterator[tuple[StagedImage, float]]:
        for key, written_at in self._objects("staging/"):
            sha256, _, token = key.rpartition("/")[2].partition(".")
            yield StagedImage(sha256, token), written_at

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._lock:
            yield

    def quarantine(self, name: str) -> str:
        source = self.key(name) if is_image_hash(name) else f"{self.prefix}staging/{name}"
        target = f"{self.prefix}quarantine/{name}"
        with self._s3_errors():
            self.client.copy_object(Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source})
            self.client.delete_object(Bucket=self.bucket, Key=source)
        return f"s3://{self.bucket}/{target}"

    def quarantined(self) -> Iterator[str]:
        for key, _ in self._objects("quarantine/"):
            yield key.rpartition("/")[2]

    def _take_from_quarantine(self, name: str) -> bytes | None:
        try:
            with self._s3_errors(missing_is_expected=True):
                return self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}quarantine/{name}")["Body"].read()
        except _Missing:
            return None

    def _drop_from_quarantine(self, name: str) -> None:
        with self._s3_errors():
            self.client.delete_object(Bucket=self.bucket, Key=f"{self.prefix}quarantine/{name}")

    def _staged_key(self, staged: StagedImage) -> str:
        return f"{self.prefix}staging/{staged.sha256}.{staged.token}"

    def _objects(self, folder: str) -> Iterator[tuple[str, float]]:
        """(key, when it was last written in seconds since the epoch) for each object under PREFIX/folder."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + folder)
        with self._s3_errors():
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"], item["LastModified"].timestamp()

    @contextlib.contextmanager
    def _s3_errors(self, missing_is_expected: bool = False) -> Iterator[None]:
        """Turn S3's refusals into `ImageStoreError` naming the bucket (or `_Missing` where absence is an answer).

        Only failures of the store itself are translated: a missing bucket, refused credentials, an
        unreachable endpoint. A request the code built wrongly (botocore's ParamValidationError) stays
        as it is, a bug that the API reports as an internal error.
        """
        from botocore.exceptions import ClientError, HTTPClientError, NoCredentialsError

        try:
            yield
        except ClientError as error:
            code, detail = error.response["Error"].get("Code", ""), error.response["Error"].get("Message", "")
            if missing_is_expected and code in ("NoSuchKey", "404"):
                raise _Missing from None
            message = _REFUSALS.get(code) or f"{code}: {detail}"
            raise ImageStoreError(f"image store {self.url}: {message}") from error
        except (HTTPClientError, NoCredentialsError) as error:
            raise ImageStoreError(f"image store {self.url}: {error}") from error


class _Missing(Exception):
    """The object asked for is not there (an answer, not a failure)."""
