"""Weighted boxes fusion: one set of boxes from several passes over the same photo.

The same rule as `ensemble_boxes.weighted_boxes_fusion` (ZFTurbo, conf_type "avg"; the tests check
they agree). That package is not a serving dependency: importing it loads numba and pandas
(about 150 MB installed, seconds of import) for these few lines of NumPy. It also expects boxes
scaled to 0..1; IoU and weighted means do not change when both axes are scaled, so pixels work
as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from PIL import Image

from .images import Photo

# Candidates: boxes float32[M, 4] xyxy, scores float32[M], class ids int64[M] (see detector.py).
Candidates = tuple[np.ndarray, np.ndarray, np.ndarray]

# ensemble-boxes' default: two boxes of one class are the same object above this IoU.
FUSION_IOU = 0.55


def weighted_boxes_fusion(
    passes: Sequence[Candidates], weights: Sequence[float], iou_threshold: float = FUSION_IOU
) -> Candidates:
    """Fuse each pass's boxes (already suppressed within the pass) into one set, best score first.

    Per class, boxes are taken by descending weighted score; each joins the cluster whose fused box
    overlaps it most above `iou_threshold`, or starts one. A cluster's box is the score-weighted mean
    of its boxes; its score the weighted mean score, so an object only some passes found scores lower:
    sum(score * weight) / n * min(n, passes) / sum(weights) for n boxes.
    """
    if len(passes) != len(weights):
        raise ValueError(f"{len(passes)} passes but {len(weights)} weights")
    weights = np.asarray(weights, dtype=np.float64)
    boxes = np.concatenate([np.asarray(b, dtype=np.float64).reshape(-1, 4) for b, _, _ in passes])
    scores = np.concatenate(
        [np.asarray(s, dtype=np.float64).reshape(-1) * w for (_, s, _), w in zip(passes, weights, strict=True)]
    )
    class_ids = np.concatenate([np.asarray(c, dtype=np.int64).reshape(-1) for _, _, c in passes])
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = area > 0  # ensemble-boxes skips zero-area boxes
    boxes, scores, class_ids = boxes[keep], scores[keep], class_ids[keep]

    fused_boxes, fused_scores, fused_ids = [], [], []
    for class_id in np.unique(class_ids):
        mine = np.flatnonzero(class_ids == class_id)
        mine = mine[np.argsort(-scores[mine], kind="stable")]
        clusters: list[list[int]] = []
        cluster_boxes = np.zeros((0, 4))
        for index in mine:
            best = _best_match(cluster_boxes, boxes[index], iou_threshold)
            if best < 0:
                clusters.append([index])
                cluster_boxes = np.vstack([cluster_boxes, boxes[index]])
            else:
                clusters[best].append(index)
                members = clusters[best]
                cluster_boxes[best] = scores[members] @ boxes[members] / scores[members].sum()
        for members, box in zip(clusters, cluster_boxes, strict=True):
            fused_boxes.append(box)
            fused_scores.append(scores[members].sum() * min(len(weights), len(members)) / len(members) / weights.sum())
            fused_ids.append(class_id)
    order = np.argsort(-np.asarray(fused_scores), kind="stable")
    return (
        np.asarray(fused_boxes, dtype=np.float32).reshape(-1, 4)[order],
        np.asarray(fused_scores, dtype=np.float32)[order],
        np.asarray(fused_ids, dtype=np.int64)[order],
    )


def _best_match(cluster_boxes: np.ndarray, box: np.ndarray, iou_threshold: float) -> int:
    """Index of the cluster box overlapping `box` most, if above the threshold; else -1."""
    if not len(cluster_boxes):
        return -1
    width = np.minimum(cluster_boxes[:, 2], box[2]) - np.maximum(cluster_boxes[:, 0], box[0])
    height = np.minimum(cluster_boxes[:, 3], box[3]) - np.maximum(cluster_boxes[:, 1], box[1])
    overlap = np.clip(width, 0, None) * np.clip(height, 0, None)
    areas = (cluster_boxes[:, 2] - cluster_boxes[:, 0]) * (cluster_boxes[:, 3] - cluster_boxes[:, 1])
    iou = overlap / (areas + (box[2] - box[0]) * (box[3] - box[1]) - overlap)
    best = int(np.argmax(iou))
    return best if iou[best] > iou_threshold else -1


def mirror(photo: Photo) -> Photo:
    """The photo flipped left to right, for a second, mirrored pass."""
    left, top, right, bottom = photo.region
    width = photo.image.width
    return replace(
        photo,
        image=photo.image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        region=(width - right, top, width - left, bottom),
    )


def unmirror(candidates: Candidates, width: int) -> Candidates:
    """Boxes found on the mirrored photo, in the original photo's pixels: x -> width - x."""
    boxes, scores, class_ids = candidates
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    flipped = np.stack([width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]], axis=1)
    return flipped.astype(np.float32), scores, class_ids
