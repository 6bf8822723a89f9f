"""Requests that store and delete the same photo at the same moment, on SQLite and PostgreSQL.

Real threads on a real database: each stores through its own session, as the server's request
threads and worker processes do. A barrier lines them up just before the write, where the race is.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from sightline.storage import crud
from sightline.storage.files import sha256_of
from sightline.storage.models import Prediction, StoredImage
from sightline.storage.service import Storage
from test_detections import make_detections
from test_storage import jpeg_bytes

THREADS = 8


def store_with_prediction(storage: Storage, data: bytes, before_write: threading.Barrier | None = None) -> int:
    with storage.writing() as (session, files):
        if before_write is not None:
            before_write.wait()
        image = crud.add_image(session=session, files=files, data=data, width=64, height=48)
        crud.add_prediction(
            session=session,
            image=image,
            model_name="nanodet",
            model_version="1",
            parameters={},
            detections=make_detections(("dog", 0.9, (1, 2, 30, 40))),
            duration_ms=1.0,
        )
        return image.id


def test_identical_uploads_at_once_all_succeed_and_share_one_stored_photo(storage: Storage) -> None:
    for round_number in range(3):
        data = jpeg_bytes(colour=(10 * round_number, 200, 90))
        barrier = threading.Barrier(THREADS)
        with ThreadPoolExecutor(THREADS) as pool:
            jobs = [pool.submit(store_with_prediction, storage, data, barrier) for _ in range(THREADS)]
            ids = {job.result() for job in jobs}
        assert len(ids) == 1
        with storage.sessions() as session:
            predictions = select(func.count()).select_from(Prediction).where(Prediction.image_id == ids.pop())
            assert session.scalar(predictions) == THREADS
        assert storage.images.read(sha256_of(data)) == data
    with storage.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoredImage)) == 3


def test_an_upload_racing_a_delete_stores_fully_or_not_at_all(storage: Storage) -> None:
    data = jpeg_bytes(colour=(1, 2, 3))
    outcomes: list[str] = []

    def delete_current() -> None:
        with storage.writing() as (session, files):
            image = crud.get_image_by_sha256(session=session, sha256=sha256_of(data))
            if image is None:
                outcomes.append("nothing to delete")
                return
            try:
                crud.delete_image(session=session, files=files, image=image)
                outcomes.append("deleted")
            except crud.NotFoundError:
                outcomes.append("already deleted")

    for _ in range(10):
        store_with_prediction(storage, data)
        with ThreadPoolExecutor(THREADS) as pool:
            jobs = [
                pool.submit(delete_current) if number % 2 else pool.submit(store_with_prediction, storage, data)
                for number in range(THREADS)
            ]
            for job in jobs:
                job.result()  # none raises: every request either stored, deleted, or found nothing to do
        with storage.sessions() as session:
            image = crud.get_image_by_sha256(session=session, sha256=sha256_of(data))
            if image is not None:
                # What is stored is whole: its file is there and its predictions point at it.
                assert storage.images.read(image.sha256) == data
                assert (
                    session.scalar(select(func.count()).select_from(Prediction).where(Prediction.image_id != image.id))
                    == 0
                )
            else:
                assert not storage.images.exists(sha256_of(data))
                assert session.scalar(select(func.count()).select_from(Prediction)) == 0
    assert "deleted" in outcomes
