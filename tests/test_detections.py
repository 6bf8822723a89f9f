"""The Detections value type: immutable selection and its JSON form."""

from __future__ import annotations

import numpy as np
import pytest

from sightline.detection.categories import COCO_80
from sightline.detection.detections import Detections


def make_detections(*rows: tuple[str, float, tuple[float, float, float, float]]) -> Detections:
    """Detections from (label, score, box) rows, for tests."""
    return Detections.from_arrays(
        np.array([box for _, _, box in rows], dtype=np.float32).reshape(-1, 4),
        np.array([score for _, score, _ in rows]),
        np.array([COCO_80.index(label) for label, _, _ in rows]),
        COCO_80,
    )


def test_json_form() -> None:
    detections = make_detections(("dog", 0.87, (10.0, 20.5, 110.25, 220.0)))

    assert detections.to_json() == [
        {
            "label": "dog",
            "class_id": 16,
            "score": 0.87,
            "box": {"x1": 10.0, "y1": 20.5, "x2": 110.25, "y2": 220.0},
        }
    ]


def test_filters_return_new_values_and_leave_the_original() -> None:
    detections = make_detections(("dog", 0.9, (0, 0, 1, 1)), ("cat", 0.2, (0, 0, 1, 1)), ("dog", 0.5, (0, 0, 1, 1)))

    confident = detections[detections.scores >= 0.4]
    dogs = detections[detections.class_ids == 16]

    assert confident.labels == ("dog", "dog") and len(detections) == 3
    assert dogs.scores.tolist() == pytest.approx([0.9, 0.5])
    assert detections[1:].labels == ("cat", "dog")
    with pytest.raises(ValueError):
        detections.scores[0] = 0.0  # read-only


def test_inconsistent_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        Detections(np.zeros((2, 4), np.float32), np.zeros(1, np.float32), np.zeros(2, np.int64), ("a", "b"))
