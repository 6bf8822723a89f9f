"""Schema migrations on SQLite and PostgreSQL: a database an older release made keeps its rows when upgraded."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from sightline.evaluation.datasets import load_dataset
from sightline.storage.database import MIGRATIONS_DIR, make_engine, upgrade_database
from sightline.storage.models import DatasetBox, Detection, Feedback, MissedObject, ReviewState, StoredImage


def migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """Run Alembic's `command.upgrade` or `command.downgrade` to `revision`, as `upgrade_database` runs it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def add_dataset_at_revision_0001(engine: Engine) -> None:
    """A dataset with one photo and two boxes, written with the columns revision 0001 has."""
    statements = [
        "INSERT INTO images (id, sha256, width, height, format, byte_size, uploaded_at, review_state) "
        "VALUES (1, '" + "ab" * 32 + "', 64, 48, 'JPEG', 900, CURRENT_TIMESTAMP, 'unreviewed')",
        "INSERT INTO datasets (id, name, created_at) VALUES (1, 'street', CURRENT_TIMESTAMP)",
        "INSERT INTO dataset_images (id, dataset_id, image_id, file_name) VALUES (1, 1, 1, 'a.jpg')",
        "INSERT INTO dataset_boxes (id, dataset_image_id, class_id, label, x1, y1, x2, y2) "
        "VALUES (1, 1, 0, 'person', 1, 2, 30, 40), (2, 1, 16, 'dog', 10, 10, 60, 45)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_upgrading_keeps_dataset_boxes_as_ordinary_objects_and_downgrading_keeps_them_too(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, command.upgrade, "0001")
        add_dataset_at_revision_0001(engine)

        upgrade_database(engine)

        with Session(engine) as session:
            [image] = load_dataset(session=session, name="street")
        assert image.truth.labels == ("person", "dog") and image.crowd == (False, False)
        assert image.truth.boxes.tolist() == [[1, 2, 30, 40], [10, 10, 60, 45]]

        migrate(engine, command.downgrade, "0001")

        assert "crowd" not in {column["name"] for column in inspect(engine).get_columns("dataset_boxes")}
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(DatasetBox.__table__)) == 2
    finally:
        engine.dispose()


def add_reviewed_photos_at_revision_0002(engine: Engine) -> None:
    """Two reviewed photos as the old rule left them, each with a first prediction of three candidates.

    Photo 1: the two boxes the page showed (0.9, 0.6) judged, a 0.1 candidate it hid left unjudged.
    Photo 2: a shown 0.5 box left unjudged, which the old rule silently accepted; one object drawn.
    """
    statements = [
        "INSERT INTO images (id, sha256, width, height, format, byte_size, uploaded_at, review_state, reviewed_at) "
        "VALUES (1, '" + "a1" * 32 + "', 64, 48, 'JPEG', 900, CURRENT_TIMESTAMP, 'reviewed', CURRENT_TIMESTAMP), "
        "(2, '" + "b2" * 32 + "', 64, 48, 'JPEG', 900, CURRENT_TIMESTAMP, 'reviewed', CURRENT_TIMESTAMP)",
        "INSERT INTO predictions (id, image_id, model_name, model_version, parameters, duration_ms, created_at) "
        "VALUES (1, 1, 'nanodet', 'v1', '{}', 10, CURRENT_TIMESTAMP), (2, 2, 'nanodet', 'v1', '{}', 10, CURRENT_TIMESTAMP)",
        "INSERT INTO detections (id, prediction_id, rank, score, class_id, label, x1, y1, x2, y2) VALUES "
        "(1, 1, 0, 0.9, 16, 'dog', 1, 1, 30, 30), (2, 1, 1, 0.6, 2, 'car', 30, 5, 60, 40), "
        "(3, 1, 2, 0.1, 63, 'laptop', 5, 5, 20, 20), "
        "(4, 2, 0, 0.8, 16, 'dog', 1, 1, 30, 30), (5, 2, 1, 0.5, 15, 'cat', 30, 5, 60, 40), "
        "(6, 2, 2, 0.1, 63, 'laptop', 5, 5, 20, 20)",
        "INSERT INTO feedback (id, detection_id, verdict, created_at, updated_at) VALUES "
        "(1, 1, 'correct', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
        "(2, 2, 'not_an_object', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
        "(3, 4, 'correct', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO missed_objects (id, image_id, class_id, label, x1, y1, x2, y2, created_at) "
        "VALUES (1, 2, 0, 'person', 2, 2, 12, 40, CURRENT_TIMESTAMP)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_upgrading_recomputes_reviewed_photos_counting_only_judged_and_drawn_boxes(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, command.upgrade, "0002")
        add_reviewed_photos_at_revision_0002(engine)

        upgrade_database(engine)

        with Session(engine) as session:
            states = dict(session.execute(select(StoredImage.id, StoredImage.review_state)).all())
            [photo] = load_dataset(session=session)
        # Photo 2's 0.5 cat was shown and never judged: a person has to finish it, its verdicts kept.
        assert states == {1: ReviewState.REVIEWED, 2: ReviewState.UNREVIEWED}
        # Photo 1 stays reviewed; the hidden laptop and the rejected car are not ground truth.
        assert (photo.image_id, photo.truth.labels, photo.sources) == (1, ("dog",), ("nanodet",))
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Feedback.__table__)) == 3
            assert connection.scalar(select(func.count()).select_from(MissedObject.__table__)) == 1

        migrate(engine, command.downgrade, "0002")

        assert "review_score_threshold" not in {column["name"] for column in inspect(engine).get_columns("images")}
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Detection.__table__)) == 6
    finally:
        engine.dispose()


def test_upgrading_names_imported_photos_after_their_dataset_file_and_leaves_uploads_unnamed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, command.upgrade, "0001")
        add_dataset_at_revision_0001(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO images (id, sha256, width, height, format, byte_size, uploaded_at, review_state) "
                    "VALUES (2, '" + "cd" * 32 + "', 64, 48, 'JPEG', 900, CURRENT_TIMESTAMP, 'unreviewed')"
                )
            )
        migrate(engine, command.upgrade, "0003")

        upgrade_database(engine)

        with Session(engine) as session:
            names = dict(session.execute(select(StoredImage.id, StoredImage.file_name)).all())
        assert names == {1: "a.jpg", 2: None}

        migrate(engine, command.downgrade, "0003")

        assert "file_name" not in {column["name"] for column in inspect(engine).get_columns("images")}
    finally:
        engine.dispose()
