"""Ground truth: what users confirmed on reviewed photos, or the boxes of an imported dataset.

A reviewed photo's ground truth comes from its first prediction (the one the user saw when
uploading): each detection is kept as it is, with its corrected label or box, or dropped when
the user said it is not an object; reviewing a photo accepts the detections the user left
unmarked. The objects the user drew as missed are added. Predictions made later by other
models on the same photo are for comparison and do not change its ground truth. Only imported
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
    Detection,
    Prediction,
    ReviewState,
    StoredImage,
    Verdict,
)

REVIEWED = "reviewed"
_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "GIF": "gif", "TIFF": "tif"}


@dataclass(frozen=True)
class LabelledImage:
    """A stored photo and its ground truth (`truth`: boxes xyxy in pixels, every score 1).

    crowd: one flag per truth box, True for a COCO crowd region (`iscrowd` 1), which evaluation
    ignores: a detection on it is neither right nor wrong, and leaving it unfound misses nothing.
    """

    image_id: int
    sha256: str
    file_name: str
    width: int
    height: int
    truth: Detections
    crowd: tuple[bool, ...]


def truth_from_boxes(
    boxes: Sequence[tuple[float, float, float, float]], class_ids: Sequence[int], labels: Sequence[str]
) -> Detections:
    return Detections(
        boxes=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        scores=np.ones(len(labels), dtype=np.float32),
        class_ids=np.array(class_ids, dtype=np.int64).reshape(-1),
        labels=tuple(labels),
    )


def reviewed_truth(image: StoredImage) -> Detections:
    """The ground truth of one reviewed photo (see the module docstring)."""
    boxes, class_ids, labels = [], [], []
    first = image.predictions[0] if image.predictions else None
    for detection in first.detections if first else ():
        feedback = detection.feedback
        if feedback is not None and feedback.verdict == Verdict.NOT_AN_OBJECT:
            continue
        box, class_id, label = detection.box, detection.class_id, detection.label
        if feedback is not None and feedback.corrected_label is not None:
            class_id, label = feedback.corrected_class_id, feedback.corrected_label
        if feedback is not None and feedback.corrected_box is not None:
            box = feedback.corrected_box
        boxes.append(box)
        class_ids.append(class_id)
        labels.append(label)
    for missed in image.missed_objects:
        boxes.append(missed.box)
        class_ids.append(missed.class_id)
        labels.append(missed.label)
    return truth_from_boxes(boxes, class_ids, labels)


def file_name_for(image: StoredImage) -> str:
    return f"{image.sha256[:16]}.{_EXTENSIONS.get(image.format, 'img')}"


def reviewed_images(*, session: Session) -> list[LabelledImage]:
    images = session.scalars(
        select(StoredImage)
        .where(StoredImage.review_state == ReviewState.REVIEWED)
        .order_by(StoredImage.id)
        .options(
            selectinload(StoredImage.predictions).selectinload(Prediction.detections).selectinload(Detection.feedback),
            selectinload(StoredImage.missed_objects),
        )
    ).all()
    labelled = []
    for image in images:
        truth = reviewed_truth(image)
        labelled.append(
            LabelledImage(
                image.id, image.sha256, file_name_for(image), image.width, image.height, truth, (False,) * len(truth)
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
