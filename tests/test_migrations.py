"""Schema migrations on SQLite and PostgreSQL: a database an older release made keeps its rows when upgraded."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from sightline.evaluation.datasets import load_dataset
from sightline.storage.database import MIGRATIONS_DIR, make_engine, upgrade_database
from sightline.storage.models import DatasetBox


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
