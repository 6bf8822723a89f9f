"""The Detections value type: immutable filtering and its JSON form."""

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


def test_json_round_trip() -> None:
    detections = make_detections(("dog", 0.87, (1, 2, 3, 4)), ("cat", 0.5, (5, 6, 7, 8)))

    again = Detections.from_json(detections.to_json(), COCO_80)

    assert again.labels == ("dog", "cat")
    np.testing.assert_allclose(again.boxes, detections.boxes)
    np.testing.assert_allclose(again.scores, detections.scores)


def test_filters_return_new_values_and_leave_the_original() -> None:
    detections = make_detections(("dog", 0.9, (0, 0, 1, 1)), ("cat", 0.2, (0, 0, 1, 1)), ("dog", 0.5, (0, 0, 1, 1)))

    confident = detections.with_min_score(0.4)
    dogs = detections.with_class_ids([16])

    assert confident.labels == ("dog", "dog") and len(detections) == 3
    assert dogs.scores.tolist() == pytest.approx([0.9, 0.5])
    assert detections.sorted_by_score().labels == ("dog", "dog", "cat")
    with pytest.raises(ValueError):
        detections.scores[0] = 0.0  # read-only


def test_unknown_class_in_json_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown class 'unicorn'"):
        Detections.from_json([{"label": "unicorn", "class_id": 16, "box": dict(x1=0, y1=0, x2=1, y2=1)}], COCO_80)


def test_inconsistent_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        Detections(np.zeros((2, 4), np.float32), np.zeros(1, np.float32), np.zeros(2, np.int64), ("a", "b"))
