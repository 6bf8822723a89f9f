"""`Storage`: the database and the image files together, opened once per process."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from . import crud
from .database import DatabaseError, make_engine, make_session_factory, upgrade_database
from .files import FileSystemImageStore, ImageStore
from .models import StoredImage
from .s3 import S3ImageStore, split_s3_url
from .transaction import FileChanges, recover_files, write_transaction


class DatabaseUnavailableError(DatabaseError):
    """The database went away under a running server (its SQLite file deleted or replaced, the server down)."""


class UnknownPhotosError(DatabaseError):
    """The photo store holds photos but the database has none: most likely the wrong database."""


class Storage:
    """Sessions on the database plus the content-addressed image store."""

    def __init__(self, engine: Engine, images: ImageStore) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        self.images = images
        self._sqlite_file = _sqlite_file(engine)
        self._sqlite_identity = _file_identity(self._sqlite_file) if self._sqlite_file else None

    @classmethod
    def open(cls, database_url: str, images_dir: Path, images_url: str = "", repair: bool = True) -> Storage:
        """Connect, create or upgrade the schema, and repair what a crash may have left half-done.

        A photo store that holds photos while the database has none raises `UnknownPhotosError`
        (see `_refuse_unknown_photos`); `repair=False` skips that and the repair, for
        `sightline storage check` and `reconcile`.

        Photos go to the bucket of `images_url` (s3://bucket/prefix) when it is set, else to the folder
        `images_dir`. A bucket that is missing or refuses access raises `ImageStoreError` here, at start.
        """
        if images_url:  # checked before anything is created, so a wrong URL leaves nothing behind
            try:
                bucket, prefix = split_s3_url(images_url)
            except ValueError as error:
                raise ValueError(f"SIGHTLINE_IMAGES_URL: {error}") from None
        engine = make_engine(database_url)
        upgrade_database(engine)
        images = S3ImageStore(bucket, prefix) if images_url else FileSystemImageStore(images_dir)
        storage = cls(engine, images)
        if not repair:
            return storage
        try:
            storage._refuse_unknown_photos(database_url)
            with storage.sessions() as session:
                recover_files(session, storage.images)
                crud.fail_abandoned_evaluations(session=session)
                session.commit()
        except BaseException:
            storage.close()
            raise
        return storage

    def _refuse_unknown_photos(self, database_url: str) -> None:
        with self.sessions() as session:
            rows = session.scalar(select(func.count()).select_from(StoredImage)) or 0
        if rows or next(iter(self.images.hashes()), None) is None:
            return
        where = self.engine.url.render_as_string(hide_password=True)
        raise UnknownPhotosError(
            f"the photo store {getattr(self.images, 'url', None) or getattr(self.images, 'root', '')} holds photos "
            f"but the database {where} has none. If SIGHTLINE_DATABASE_URL (or the data folder) is wrong, point it "
            "at the database these photos belong to; to keep this database and take the photos into it, run "
            "`sightline storage reconcile --adopt`; `sightline storage check` shows what differs"
        )

    def check_available(self) -> None:
        """Raise `DatabaseUnavailableError` if the database this process opened is gone (checked per storing request)."""
        if self._sqlite_file is not None and _file_identity(self._sqlite_file) != self._sqlite_identity:
            # SQLite keeps writing to a deleted file's open handle, and a new connection would
            # create an empty file: either way what is stored would be lost at the next start.
            raise DatabaseUnavailableError(
                f"the database file {self._sqlite_file} was deleted or replaced under the running server; "
                "restore it and restart the server"
            )
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            where = self.engine.url.render_as_string(hide_password=True)
            raise DatabaseUnavailableError(f"the database {where} cannot be reached: {error}") from error

    @contextlib.contextmanager
    def writing(self) -> Iterator[tuple[Session, FileChanges]]:
        """A session and its file changes, committed together on success (see `write_transaction`)."""
        self.check_available()
        with self.sessions() as session, write_transaction(session, self.images) as files:
            yield session, files

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    return Path(database).resolve() if database and database != ":memory:" else None


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino
