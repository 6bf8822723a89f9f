"""Stored photos, predictions and feedback, on SQLite and PostgreSQL: what is kept, and what a failure leaves.

The tests about photo files run with the photos in a folder and in an S3 bucket."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from database_fixtures import IMAGE_STORES
from sightline.detection.categories import COCO_80
from sightline.detection.detections import Detections
from sightline.storage import crud
from sightline.storage.database import upgrade_database
from sightline.storage.files import ImageStore, StagedImage
from sightline.storage.models import Base, Detection, Feedback, MissedObject, Prediction, StoredImage, Verdict
from sightline.storage.s3 import S3ImageStore
from sightline.storage.service import Storage
from sightline.storage.transaction import recover_files, write_transaction
from test_detections import make_detections


def jpeg_bytes(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def store_photo(storage: Storage, data: bytes | None = None, model: str = "nanodet", rows=None) -> int:
    """Store a 64x48 photo with one prediction (a dog and a cat by default); returns the image id."""
    data = data or jpeg_bytes()
    rows = rows if rows is not None else [("dog", 0.9, (1, 2, 30, 40)), ("cat", 0.5, (10, 10, 60, 45))]
    with storage.writing() as (session, files):
        image = crud.add_image(session=session, files=files, data=data, width=64, height=48)
        crud.add_prediction(
            session=session,
            image=image,
            model_name=model,
            model_version="1",
            parameters={"score_threshold": 0.3},
            detections=make_detections(*rows),
            duration_ms=12.5,
        )
        return image.id


def count(storage: Storage, model: type) -> int:
    with storage.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


on_both_image_stores = pytest.mark.parametrize("images_url", IMAGE_STORES, indirect=True)


def detections_of(prediction: Prediction) -> Detections:
    """A stored prediction's boxes as the `Detections` value the model returned."""
    rows = prediction.detections
    return Detections(
        boxes=np.array([row.box for row in rows], dtype=np.float32).reshape(-1, 4),
        scores=np.array([row.score for row in rows], dtype=np.float32),
        class_ids=np.array([row.class_id for row in rows], dtype=np.int64),
        labels=tuple(row.label for row in rows),
    )


def files_in(store: ImageStore) -> list[str]:
    """The names of every file the store holds, published or staged (and anything else under its root)."""
    if isinstance(store, S3ImageStore):
        pages = store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=store.prefix)
        return sorted(item["Key"].rpartition("/")[2] for page in pages for item in page.get("Contents", []))
    return sorted(path.name for path in store.root.rglob("*") if path.is_file() and path.name != ".lock")


def make_stale(store: ImageStore, staged: StagedImage) -> None:
    """Date a staged file two hours back, as if its request had died long ago."""
    if isinstance(store, S3ImageStore):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        objects = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[store.bucket].keys
        objects[f"{store.prefix}staging/{staged.sha256}.{staged.token}"].last_modified -= timedelta(hours=2)
        return
    old = time.time() - 7200
    os.utime(store.root / "staging" / f"{staged.sha256}.{staged.token}", (old, old))


def test_migrations_create_exactly_the_models_schema_and_rerun_harmlessly(storage: Storage) -> None:
    upgrade_database(storage.engine)
    with storage.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_first_run_creates_the_sqlite_file_in_wal_mode(tmp_path) -> None:
    from sightline.config import Settings

    settings = Settings(data_dir=tmp_path / "var")
    storage = Storage.open(settings.database_url, settings.images_dir)
    with storage.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    storage.close()
    assert (tmp_path / "var" / "sightline.db").is_file() and (tmp_path / "var" / "images").is_dir()


@on_both_image_stores
def test_a_photo_is_stored_once_under_its_hash_and_read_back(storage: Storage) -> None:
    data = jpeg_bytes()
    first = store_photo(storage, data)
    second = store_photo(storage, data, model="centernet")

    assert first == second and count(storage, StoredImage) == 1 and count(storage, Prediction) == 2
    with storage.sessions() as session:
        image = crud.get_image(session=session, image_id=first)
        assert (image.width, image.height, image.format, image.byte_size) == (64, 48, "JPEG", len(data))
        assert [d.label for d in image.predictions[0].detections] == ["dog", "cat"]
        stored = detections_of(image.predictions[0])
    assert storage.images.read(image.sha256) == data
    assert files_in(storage.images) == [image.sha256]
    assert stored.labels == ("dog", "cat") and stored.boxes[0].tolist() == [1, 2, 30, 40]


@on_both_image_stores
def test_a_failed_request_leaves_no_row_and_no_file(storage: Storage) -> None:
    with pytest.raises(RuntimeError, match="crash"), storage.writing() as (session, files):
        image = crud.add_image(session=session, files=files, data=jpeg_bytes(), width=64, height=48)
        crud.add_prediction(
            session=session,
            image=image,
            model_name="nanodet",
            model_version="1",
            parameters={},
            detections=make_detections(("dog", 0.9, (1, 2, 3, 4))),
            duration_ms=1.0,
        )
        raise RuntimeError("crash after the rows, before the commit")

    assert count(storage, StoredImage) == 0 and count(storage, Detection) == 0
    assert files_in(storage.images) == []


@on_both_image_stores
def test_recovery_after_a_crash_publishes_committed_files_and_quarantines_orphans(storage: Storage) -> None:
    committed = jpeg_bytes((1, 2, 3))
    store = storage.images
    # A crash between the commit and the move into place: the row exists, the file is still staged.
    with storage.sessions() as session:
        staged = store.stage(committed)
        session.add(StoredImage(sha256=staged.sha256, width=64, height=48, format="JPEG", byte_size=len(committed)))
        session.commit()
    # A crash before any commit long ago, and a file whose row was deleted before its file was.
    abandoned = store.stage(jpeg_bytes((4, 5, 6)))
    make_stale(store, abandoned)
    orphan = store.stage(jpeg_bytes((7, 8, 9)))
    store.publish(orphan)
    # A request still in flight in another process: its young staged file must survive.
    in_flight = store.stage(jpeg_bytes((10, 11, 12)))

    with storage.sessions() as session:
        assert recover_files(session, store) == 3

    assert store.read(staged.sha256) == committed
    assert not store.exists(orphan.sha256)
    # Nothing is deleted: what no row refers to is in quarantine, where it can be restored from.
    assert sorted(store.quarantined()) == sorted([orphan.sha256, f"{abandoned.sha256}.{abandoned.token}"])
    assert files_in(store) == sorted(
        [staged.sha256, f"{in_flight.sha256}.{in_flight.token}", orphan.sha256, f"{abandoned.sha256}.{abandoned.token}"]
    )


@on_both_image_stores
def test_deleting_an_image_removes_everything_attached_and_its_file(storage: Storage) -> None:
    image_id = store_photo(storage)
    keep_id = store_photo(storage, jpeg_bytes((0, 90, 0)))
    with storage.writing() as (session, files):
        image = crud.get_image(session=session, image_id=image_id)
        crud.set_feedback(
            session=session, detection=image.predictions[0].detections[0], verdict="correct", categories=COCO_80
        )
        crud.add_missed_object(session=session, image=image, label="person", box=(0, 0, 5, 5), categories=COCO_80)
        sha256 = image.sha256
    with storage.writing() as (session, files):
        crud.delete_image(session=session, files=files, image=crud.get_image(session=session, image_id=image_id))

    assert not storage.images.exists(sha256)
    assert count(storage, StoredImage) == 1 and count(storage, Prediction) == 1 and count(storage, Detection) == 2
    assert count(storage, Feedback) == 0 and count(storage, MissedObject) == 0
    with storage.sessions() as session:
        assert storage.images.exists(crud.get_image(session=session, image_id=keep_id).sha256)
        with pytest.raises(crud.NotFoundError, match=f"no image with id {image_id}"):
            crud.get_image(session=session, image_id=image_id)


def test_feedback_is_recorded_replaced_and_becomes_corrections(storage: Storage) -> None:
    image_id = store_photo(storage)
    with storage.writing() as (session, _):
        dog, cat = crud.get_image(session=session, image_id=image_id).predictions[0].detections
        crud.set_feedback(session=session, detection=dog, verdict="wrong_label", label="horse", categories=COCO_80)
        crud.set_feedback(session=session, detection=cat, verdict="wrong_box", box=(12, 11, 50, 40), categories=COCO_80)
    with storage.writing() as (session, _):
        dog = session.get(Detection, dog.id)
        crud.set_feedback(session=session, detection=dog, verdict="correct", categories=COCO_80)

    with storage.sessions() as session:
        dog, cat = crud.get_image(session=session, image_id=image_id).predictions[0].detections
        assert dog.feedback.verdict == Verdict.CORRECT and dog.feedback.corrected_label is None
        assert cat.feedback.verdict == Verdict.WRONG_BOX and cat.feedback.corrected_box == (12, 11, 50, 40)
    assert count(storage, Feedback) == 2


@pytest.mark.parametrize(
    ("verdict", "label", "box", "code", "message"),
    [
        ("wrong_label", "unicorn", None, "unknown_label", "unknown label 'unicorn'"),
        ("wrong_box", None, (0, 0, 65, 10), "box_outside_image", "not inside the 64x48 image"),
        ("wrong_box", None, (30, 10, 20, 40), "box_outside_image", "x1 < x2"),
        ("wrong_box", None, ("a", 1, 2, 3), "bad_box", "four numbers"),
        ("wrong_label", None, None, "bad_feedback", "needs the right label"),
        ("correct", "dog", None, "bad_feedback", "takes no label or box"),
        ("great", None, None, "bad_verdict", "verdict must be one of"),
    ],
)
def test_bad_feedback_is_refused_and_keeps_what_was_stored(
    storage: Storage, verdict, label, box, code, message
) -> None:
    image_id = store_photo(storage)
    with storage.writing() as (session, _):
        dog = crud.get_image(session=session, image_id=image_id).predictions[0].detections[0]
        crud.set_feedback(session=session, detection=dog, verdict="not_an_object", categories=COCO_80)

    with pytest.raises(crud.InputError, match=message) as raised, storage.writing() as (session, _):
        dog, cat = crud.get_image(session=session, image_id=image_id).predictions[0].detections
        # The first change of the request is valid; the failing second one must undo it.
        crud.set_feedback(session=session, detection=cat, verdict="correct", categories=COCO_80)
        crud.set_feedback(session=session, detection=dog, verdict=verdict, label=label, box=box, categories=COCO_80)

    assert raised.value.code == code
    with storage.sessions() as session:
        dog, cat = crud.get_image(session=session, image_id=image_id).predictions[0].detections
        assert dog.feedback.verdict == Verdict.NOT_AN_OBJECT and cat.feedback is None


def test_listing_pages_and_filters(storage: Storage) -> None:
    first = store_photo(storage, jpeg_bytes((10, 0, 0)), rows=[("dog", 0.9, (1, 1, 9, 9))])
    second = store_photo(storage, jpeg_bytes((0, 10, 0)), model="centernet", rows=[("cat", 0.9, (1, 1, 9, 9))])
    third = store_photo(storage, jpeg_bytes((0, 0, 10)), rows=[])
    with storage.writing() as (session, _):
        crud.set_review_state(session=session, image=crud.get_image(session=session, image_id=second), reviewed=True)
        crud.add_missed_object(
            session=session,
            image=crud.get_image(session=session, image_id=third),
            label="dog",
            box=(2, 2, 8, 8),
            categories=COCO_80,
        )
        cat = crud.get_image(session=session, image_id=second).predictions[0].detections[0]
        crud.set_feedback(session=session, detection=cat, verdict="wrong_label", label="bird", categories=COCO_80)

    def ids(**filters) -> list[int]:
        with storage.sessions() as session:
            return [image.id for image in crud.list_images(session=session, **filters).items]

    assert ids() == [third, second, first]
    assert ids(reviewed=True) == [second] and ids(reviewed=False) == [third, first]
    assert ids(label="dog") == [third, first] and ids(label="bird") == [second]
    assert ids(model="centernet") == [second] and ids(model="nanodet", label="cat") == []
    with storage.sessions() as session:
        page = crud.list_images(session=session, page=2, per_page=2)
        assert (page.total, [image.id for image in page.items]) == (3, [first])
        with pytest.raises(crud.InputError, match="per_page"):
            crud.list_images(session=session, per_page=1000)
        with pytest.raises(crud.InputError, match="source must be one of uploads, datasets"):
            crud.list_images(session=session, source="imports")


def test_share_of_detections_marked_correct_per_model_class_and_day(storage: Storage) -> None:
    for colour, model in (((1, 0, 0), "nanodet"), ((2, 0, 0), "nanodet"), ((3, 0, 0), "centernet")):
        image_id = store_photo(storage, jpeg_bytes(colour), model=model)
        with storage.writing() as (session, _):
            dog, cat = crud.get_image(session=session, image_id=image_id).predictions[0].detections
            crud.set_feedback(session=session, detection=dog, verdict="correct", categories=COCO_80)
            if colour[0] == 1:
                crud.set_feedback(session=session, detection=cat, verdict="not_an_object", categories=COCO_80)

    with storage.sessions() as session:
        by_model = {share.model: share for share in crud.feedback_shares(session=session)}
        by_class = {(s.model, s.label): s.share_correct for s in crud.feedback_shares(session=session, by_label=True)}
        by_day = crud.feedback_shares(session=session, by_day=True)
        assert crud.count_images(session=session) == (3, 0)

    assert (by_model["nanodet"].judged, by_model["nanodet"].correct) == (3, 2)
    assert by_model["centernet"].share_correct == 1.0
    assert by_class == {("centernet", "dog"): 1.0, ("nanodet", "cat"): 0.0, ("nanodet", "dog"): 1.0}
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert {(s.model, s.day, s.judged) for s in by_day} == {("centernet", today, 1), ("nanodet", today, 3)}


def test_settings_survive_reopening(database_url: str, tmp_path) -> None:
    storage = Storage.open(database_url, tmp_path / "images")
    with storage.writing() as (session, _):
        crud.set_setting(session=session, key=crud.DEFAULT_MODEL_KEY, value="centernet")
    storage.close()

    reopened = Storage.open(database_url, tmp_path / "images")
    with reopened.sessions() as session:
        assert crud.get_setting(session=session, key=crud.DEFAULT_MODEL_KEY) == "centernet"
    reopened.close()


@on_both_image_stores
def test_write_transaction_rolls_back_on_a_failed_commit(storage: Storage) -> None:
    store_photo(storage, jpeg_bytes((5, 5, 5)))
    before = files_in(storage.images)
    with (
        storage.sessions() as session,
        pytest.raises(IntegrityError, match=r"(?i)unique"),
        write_transaction(session, storage.images) as files,
    ):
        sha256 = files.stage(jpeg_bytes((6, 6, 6)))
        session.add(StoredImage(sha256=sha256, width=1, height=1, format="JPEG", byte_size=1))
        # Same hash twice: the database refuses at flush/commit, and the staged file must go.
        session.add(StoredImage(sha256=sha256, width=1, height=1, format="JPEG", byte_size=1))
    assert files_in(storage.images) == before and count(storage, StoredImage) == 1
