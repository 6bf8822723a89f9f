"""The one value type for detector results, from the model to the API, storage and evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Detections:
    """Objects found in one image.

    boxes: float32[N, 4], xyxy, in the original image's pixels.
    scores: float32[N], confidence in 0..1.
    class_ids: int64[N], index into the model's category list.
    labels: N class names, aligned with class_ids.

    Values are immutable: every filter returns a new `Detections`.
    """

    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        count = len(self.labels)
        if self.boxes.shape != (count, 4) or self.scores.shape != (count,) or self.class_ids.shape != (count,):
            raise ValueError(
                f"inconsistent detections: boxes {self.boxes.shape}, scores {self.scores.shape}, "
                f"class_ids {self.class_ids.shape}, {count} labels"
            )
        for array in (self.boxes, self.scores, self.class_ids):
            array.flags.writeable = False

    @classmethod
    def from_arrays(
        cls,
        boxes: np.ndarray,
        scores: np.ndarray,
        class_ids: np.ndarray,
        categories: Sequence[str],
    ) -> Detections:
        """Build from arrays, looking each class id up in `categories`."""
        class_ids = np.asarray(class_ids, dtype=np.int64).reshape(-1)
        return cls(
            boxes=np.array(boxes, dtype=np.float32).reshape(-1, 4),
            scores=np.array(scores, dtype=np.float32).reshape(-1),
            class_ids=class_ids.copy(),
            labels=tuple(categories[i] for i in class_ids.tolist()),
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: np.ndarray | slice) -> Detections:
        """Select detections by boolean mask, index array or slice."""
        picked = np.arange(len(self))[index]
        return Detections(
            boxes=self.boxes[picked],
            scores=self.scores[picked],
            class_ids=self.class_ids[picked],
            labels=tuple(self.labels[i] for i in picked.tolist()),
        )

    def clipped(self, width: int, height: int) -> Detections:
        """Boxes cut at the image's edges."""
        limits = np.array([width, height, width, height], dtype=np.float32)
        return Detections(np.clip(self.boxes, 0.0, limits), self.scores, self.class_ids, self.labels)

    def to_json(self, decimals: int = 2) -> list[dict]:
        """`[{"label", "class_id", "score", "box": {"x1", "y1", "x2", "y2"}}]`, in stored order."""
        return [
            {
                "label": label,
                "class_id": int(class_id),
                "score": round(float(score), 4),
                "box": {k: round(float(v), decimals) for k, v in zip(("x1", "y1", "x2", "y2"), box, strict=True)},
            }
            for box, score, class_id, label in zip(self.boxes, self.scores, self.class_ids, self.labels, strict=True)
        ]
