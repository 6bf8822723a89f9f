"""Labelled images to evaluate on and export: the reviewed photos, or an imported dataset.

A reviewed photo's ground truth follows the one rule in `storage.truth`: the boxes its reviewer
judged to be objects, with their corrections, and the objects they drew; unjudged candidates are
not part of it. Each truth box keeps where it came from (a model's prediction, drawing, an
import), so an evaluation can say how far its truth leans towards one model. Only imported
datasets have crowd regions: users review single objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..detection.detections import Detections
from ..storage.crud import NotFoundError
from ..storage.models import (
    Dataset,
    DatasetImage,
    ReviewState,
    StoredImage,
)
from ..storage.truth import IMPORTED, ground_truth, reviewed_image_ids

REVIEWED = "reviewed"
_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "GIF": "gif", "TIFF": "tif"}


@dataclass(frozen=True)
class LabelledImage:
    """A stored photo and its ground truth (`truth`: boxes xyxy in pixels, every score 1).

    crowd: one flag per truth box, True for a COCO crowd region (`iscrowd` 1), which evaluation
    ignores: a detection on it is neither right nor wrong, and leaving it unfound misses nothing.
    sources: one per truth box, the model whose prediction a reviewer confirmed, "drawn" or "imported".
    """

    image_id: int
    sha256: str
    file_name: str
    width: int
    height: int
    truth: Detections
    crowd: tuple[bool, ...]
    sources: tuple[str, ...]


def truth_from_boxes(
    boxes: Sequence[tuple[float, float, float, float]], class_ids: Sequence[int], labels: Sequence[str]
) -> Detections:
    return Detections(
        boxes=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        scores=np.ones(len(labels), dtype=np.float32),
        class_ids=np.array(class_ids, dtype=np.int64).reshape(-1),
        labels=tuple(labels),
    )


def file_name_for(image: StoredImage) -> str:
    return f"{image.sha256[:16]}.{_EXTENSIONS.get(image.format, 'img')}"


def reviewed_images(*, session: Session) -> list[LabelledImage]:
    images = session.scalars(
        select(StoredImage).where(StoredImage.review_state == ReviewState.REVIEWED).order_by(StoredImage.id)
    ).all()
    truth = ground_truth(session=session, image_ids=reviewed_image_ids())
    labelled = []
    for image in images:
        boxes = truth.get(image.id, [])
        labelled.append(
            LabelledImage(
                image.id,
                image.sha256,
                file_name_for(image),
                image.width,
                image.height,
                truth_from_boxes([b.box for b in boxes], [b.class_id for b in boxes], [b.label for b in boxes]),
                (False,) * len(boxes),
                tuple(b.source for b in boxes),
            )
        )
    return labelled


def load_dataset(*, session: Session, name: str = REVIEWED) -> list[LabelledImage]:
    """The labelled images of `name`: "reviewed" (the reviewed uploads) or an imported dataset."""
    if name == REVIEWED:
        return reviewed_images(session=session)
    dataset = session.scalar(
        select(Dataset)
        .where(Dataset.name == name)
        .options(
            selectinload(Dataset.images).selectinload(DatasetImage.image),
            selectinload(Dataset.images).selectinload(DatasetImage.boxes),
        )
    )
    if dataset is None:
        known = ", ".join(dataset_names(session=session))
        raise NotFoundError("dataset", name, f"known datasets: {known}")
    return [
        LabelledImage(
            member.image.id,
            member.image.sha256,
            member.file_name,
            member.image.width,
            member.image.height,
            truth_from_boxes(
                [box.box for box in member.boxes],
                [box.class_id for box in member.boxes],
                [box.label for box in member.boxes],
            ),
            tuple(box.crowd for box in member.boxes),
            (IMPORTED,) * len(member.boxes),
        )
        for member in dataset.images
    ]


def dataset_names(*, session: Session) -> list[str]:
    return [REVIEWED, *session.scalars(select(Dataset.name).order_by(Dataset.name))]


def dataset_sizes(*, session: Session) -> dict[str, int]:
    """Images per dataset, the reviewed uploads first."""
    reviewed = session.scalar(
        select(func.count(StoredImage.id)).where(StoredImage.review_state == ReviewState.REVIEWED)
    )
    imported = session.execute(
        select(Dataset.name, func.count(DatasetImage.id))
        .outerjoin(DatasetImage)
        .group_by(Dataset.name)
        .order_by(Dataset.name)
    ).all()
    return {REVIEWED: reviewed or 0, **{name: count for name, count in imported}}
