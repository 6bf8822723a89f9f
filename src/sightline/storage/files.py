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
import errno
import fcntl
import hashlib
import logging
import os
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("sightline.storage")


class ImageNotFoundError(FileNotFoundError):
    pass


class ImageStoreError(Exception):
    """The store itself cannot be used (a bucket that does not exist, access refused, a full disk): the operator's to fix.

    `reason`, when given, is safe to tell clients (it names no path or bucket): "the photo store is full".
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


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
    # Why nothing can be stored, when the store was found read-only at start; reads still work.
    unwritable: str = ""

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

    @abstractmethod
    def quarantine(self, name: str) -> str:
        """Move a published file (NAME a hash) or a staged one (`sha256.token`) aside; returns where it went."""

    @abstractmethod
    def quarantined(self) -> Iterator[str]:
        """The names of the files in quarantine."""

    @abstractmethod
    def _take_from_quarantine(self, name: str) -> bytes | None: ...

    def restore(self, name: str) -> bool:
        """Publish a quarantined file again if its bytes are whole (their hash is its name); False if not."""
        data = self._take_from_quarantine(name)
        if data is None or sha256_of(data) != name.partition(".")[0]:
            return False
        self.publish(self.stage(data))
        self._drop_from_quarantine(name)
        return True

    @abstractmethod
    def _drop_from_quarantine(self, name: str) -> None: ...

    def recover(self, is_referenced: Callable[[str], bool], stale_after_s: float = 3600.0) -> int:
        """Publish staged files whose rows committed; quarantine files no row refers to; returns files fixed.

        Nothing is deleted because the database does not know it: the database may be the wrong
        one (a mistyped URL) or a new empty file, and the photos must survive that.
        """
        if self.unwritable:
            log.warning("not checking the photo store against the database: %s", self.unwritable)
            return 0
        fixed = 0
        with self.exclusive():
            for staged, written_at in list(self.staged_images()):
                if is_referenced(staged.sha256):
                    self.publish(staged)
                    fixed += 1
                elif time.time() - written_at > stale_after_s:
                    # Young staged files may belong to a request still in flight in another process.
                    where = self.quarantine(f"{staged.sha256}.{staged.token}")
                    log.warning("staged photo %s was never committed: moved to %s", staged.sha256, where)
                    fixed += 1
            for sha256 in list(self.hashes()):
                if not is_referenced(sha256):
                    where = self.quarantine(sha256)
                    log.warning("photo %s has no row in the database: moved to %s", sha256, where)
                    fixed += 1
        return fixed

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held around "commit, then publish" and "check references, then delete" so they do not interleave."""
        yield


class FileSystemImageStore(ImageStore):
    """Files at ROOT/ab/abcdef...; staged files at ROOT/staging/<sha256>.<token>; set aside in ROOT/quarantine/."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._staging = self.root / "staging"
        self._quarantine = self.root / "quarantine"
        try:
            self._staging.mkdir(parents=True, exist_ok=True)
            if not os.access(self._staging, os.W_OK):  # a read-only mount refuses even root
                raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))
        except OSError as error:
            self.unwritable = f"the photo folder {self.root} cannot be written ({error.strerror}): storing is off"
            log.warning("%s; detection without storing works", self.unwritable)
        self._lock_path = self.root / ".lock"

    def path(self, sha256: str) -> Path:
        if not is_image_hash(sha256):
            raise ImageNotFoundError(f"not an image hash: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def stage(self, data: bytes) -> StagedImage:
        if self.unwritable:
            raise ImageStoreError(self.unwritable, reason="the photo store is read-only")
        staged = StagedImage(sha256_of(data), secrets.token_hex(8))
        target = self._staged_path(staged)
        try:
            with open(target, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            target.unlink(missing_ok=True)  # no partial file left behind
            full = error.errno in (errno.ENOSPC, errno.EDQUOT)
            raise ImageStoreError(
                f"cannot write to the photo folder {self.root}: {error.strerror}",
                reason="the photo store is full" if full else "the photo store cannot be written",
            ) from error
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
        try:
            self.path(sha256).unlink(missing_ok=True)
        except OSError as error:  # its row is gone already: the next start quarantines the file
            log.warning("could not delete photo %s: %s", sha256, error.strerror)

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
        if self.unwritable:  # no file can change, so there is nothing to take turns over
            yield
            return
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def quarantine(self, name: str) -> str:
        source = self.path(name) if is_image_hash(name) else self._staging / name
        self._quarantine.mkdir(exist_ok=True)
        target = self._quarantine / name
        os.replace(source, target)
        return str(target)

    def quarantined(self) -> Iterator[str]:
        if self._quarantine.is_dir():
            yield from sorted(path.name for path in self._quarantine.iterdir() if path.is_file())

    def _take_from_quarantine(self, name: str) -> bytes | None:
        try:
            return (self._quarantine / Path(name).name).read_bytes()
        except FileNotFoundError:
            return None

    def _drop_from_quarantine(self, name: str) -> None:
        (self._quarantine / Path(name).name).unlink(missing_ok=True)

    def _staged_path(self, staged: StagedImage) -> Path:
        return self._staging / f"{staged.sha256}.{staged.token}"
