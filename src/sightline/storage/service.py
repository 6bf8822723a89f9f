"""`Storage`: the database and the image files together, opened once per process."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import crud
from .database import make_engine, make_session_factory, upgrade_database
from .files import FileSystemImageStore, ImageStore
from .s3 import S3ImageStore
from .transaction import FileChanges, recover_files, write_transaction


class Storage:
    """Sessions on the database plus the content-addressed image store."""

    def __init__(self, engine: Engine, images: ImageStore) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        self.images = images

    @classmethod
    def open(cls, database_url: str, images_dir: Path, images_url: str = "") -> Storage:
        """Connect, create or upgrade the schema, and repair what a crash may have left half-done.

        Photos go to the bucket of `images_url` (s3://bucket/prefix) when it is set, else to the folder
        `images_dir`. A bucket that is missing or refuses access raises `ImageStoreError` here, at start.
        """
        engine = make_engine(database_url)
        upgrade_database(engine)
        images = S3ImageStore.from_url(images_url) if images_url else FileSystemImageStore(images_dir)
        storage = cls(engine, images)
        try:
            with storage.sessions() as session:
                recover_files(session, storage.images)
                crud.fail_abandoned_evaluations(session=session)
                session.commit()
        except BaseException:
            storage.close()
            raise
        return storage

    @contextlib.contextmanager
    def writing(self) -> Iterator[tuple[Session, FileChanges]]:
        """A session and its file changes, committed together on success (see `write_transaction`)."""
        with self.sessions() as session, write_transaction(session, self.images) as files:
            yield session, files

    def close(self) -> None:
        self.engine.dispose()
