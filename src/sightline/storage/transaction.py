"""One unit of work over the database and the image files: both change, or neither does."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .files import ImageStore, StagedImage
from .models import StoredImage


class FileChanges:
    """Files to add or remove once the session's transaction has committed."""

    def __init__(self, store: ImageStore) -> None:
        self.store = store
        self.staged: list[StagedImage] = []
        self.unreferenced: list[str] = []

    def stage(self, data: bytes) -> str:
        staged = self.store.stage(data)
        self.staged.append(staged)
        return staged.sha256

    def delete_after_commit(self, sha256: str) -> None:
        self.unreferenced.append(sha256)


@contextlib.contextmanager
def write_transaction(session: Session, store: ImageStore) -> Iterator[FileChanges]:
    """Commit the session's changes and the staged files together; on any error roll back and discard.

    Order: new files are written under temporary names first, the database commits, then the
    files are moved into place. A crash before the commit leaves only a temporary file, which
    `ImageStore.recover` deletes; a crash after it leaves a temporary file whose row exists,
    which `recover` publishes. Removed images' files go only after the commit, when no row
    refers to that content any more.
    """
    changes = FileChanges(store)
    try:
        yield changes
        session.flush()
    except BaseException:
        _abandon(session, changes)
        raise
    with store.exclusive():
        try:
            session.commit()
        except BaseException:
            _abandon(session, changes)
            raise
        # Should a move fail here, the staged file stays for `recover`: its row has committed.
        for staged in changes.staged:
            store.publish(staged)
    if changes.unreferenced:
        with store.exclusive():
            for sha256 in changes.unreferenced:
                if not session.scalar(select(exists().where(StoredImage.sha256 == sha256))):
                    store.delete(sha256)
            session.commit()


def _abandon(session: Session, changes: FileChanges) -> None:
    session.rollback()
    for staged in changes.staged:
        changes.store.discard(staged)


def recover_files(session: Session, store: ImageStore) -> int:
    """Reconcile the image folder with the database after a crash; returns how many files changed."""

    def is_referenced(sha256: str) -> bool:
        return bool(session.scalar(select(exists().where(StoredImage.sha256 == sha256))))

    try:
        return store.recover(is_referenced)
    finally:
        session.rollback()
