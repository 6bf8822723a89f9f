"""Image files stored by content: the sha256 of the bytes is the name, so a photo is kept once.

`ImageStore` is the interface the rest of the code uses; `FileSystemImageStore` keeps files in a
directory, `S3ImageStore` (in `s3.py`) objects in an S3 bucket.

Writing is two-phase so that a file and its database row appear together: `stage` writes the
bytes under a temporary name, the caller commits its transaction, then `publish` moves the file
into place (or `discard` removes it when the transaction failed). If the process dies between
the commit and `publish`, `recover` finishes the job on the next start.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


class ImageNotFoundError(FileNotFoundError):
    pass


class ImageStoreError(Exception):
    """The store itself cannot be used (a bucket that does not exist, access refused): the operator's to fix."""


@dataclass(frozen=True)
class StagedImage:
    """Bytes written under a temporary name, waiting for their transaction to commit."""

    sha256: str
    token: str


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_image_hash(name: str) -> bool:
    """A sha256 as `sha256_of` writes it: anything else is no stored file's name."""
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class ImageStore(ABC):
    @abstractmethod
    def stage(self, data: bytes) -> StagedImage:
        """Write `data` under a temporary name; nothing is visible until `publish`."""

    @abstractmethod
    def publish(self, staged: StagedImage) -> None:
        """Make a staged file readable under its hash (a no-op if that content is already there)."""

    @abstractmethod
    def discard(self, staged: StagedImage) -> None:
        """Remove a staged file whose transaction did not commit."""

    @abstractmethod
    def read(self, sha256: str) -> bytes:
        """The stored bytes; raises ImageNotFoundError."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove a stored file; no error if it is already gone."""

    @abstractmethod
    def hashes(self) -> Iterator[str]:
        """Every published hash."""

    @abstractmethod
    def staged_images(self) -> Iterator[tuple[StagedImage, float]]:
        """Every staged file with the time it was written (seconds since the epoch)."""

    def recover(self, is_referenced: Callable[[str], bool], stale_after_s: float = 3600.0) -> int:
        """Publish staged files whose rows committed, delete files no row refers to; returns files fixed."""
        fixed = 0
        with self.exclusive():
            for staged, written_at in list(self.staged_images()):
                if is_referenced(staged.sha256):
                    self.publish(staged)
                    fixed += 1
                elif time.time() - written_at > stale_after_s:
                    # Young staged files may belong to a request still in flight in another process.
                    self.discard(staged)
                    fixed += 1
            for sha256 in list(self.hashes()):
                if not is_referenced(sha256):
                    self.delete(sha256)
                    fixed += 1
        return fixed

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held around "commit, then publish" and "check references, then delete" so they do not interleave."""
        yield


class FileSystemImageStore(ImageStore):
    """Files at ROOT/ab/abcdef...; staged files at ROOT/staging/<sha256>.<token>."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._staging = self.root / "staging"
        self._staging.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.root / ".lock"

    def path(self, sha256: str) -> Path:
        if not is_image_hash(sha256):
            raise ImageNotFoundError(f"not an image hash: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def stage(self, data: bytes) -> StagedImage:
        staged = StagedImage(sha256_of(data), secrets.token_hex(8))
        target = self._staged_path(staged)
        with open(target, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        return staged

    def publish(self, staged: StagedImage) -> None:
        source = self._staged_path(staged)
        final = self.path(staged.sha256)
        if final.exists():
            source.unlink(missing_ok=True)
            return
        final.parent.mkdir(exist_ok=True)
        os.replace(source, final)

    def discard(self, staged: StagedImage) -> None:
        self._staged_path(staged).unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise ImageNotFoundError(f"image file {sha256} is missing from {self.root}") from None

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except ImageNotFoundError:
            return False

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def hashes(self) -> Iterator[str]:
        for folder in self.root.iterdir():
            if folder.is_dir() and len(folder.name) == 2:
                yield from (path.name for path in folder.iterdir() if is_image_hash(path.name))

    def staged_images(self) -> Iterator[tuple[StagedImage, float]]:
        for staged_path in self._staging.iterdir():
            sha256, _, token = staged_path.name.partition(".")
            try:
                written_at = staged_path.stat().st_mtime
            except FileNotFoundError:  # discarded meanwhile by a failed request in another process
                continue
            yield StagedImage(sha256, token), written_at

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        # An OS file lock, so that several server processes sharing the folder also take turns.
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _staged_path(self, staged: StagedImage) -> Path:
        return self._staging / f"{staged.sha256}.{staged.token}"
