"""A loaded model with its pre- and post-processing: photos in, `Detections` out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import torch
from PIL import Image
from torchvision.ops import batched_nms

from .detections import Detections
from .options import DetectOptions
from .preprocessing import InputSpec, prepare

# Candidates for one image before NMS: boxes FloatTensor[M, 4] xyxy, scores FloatTensor[M],
# class ids LongTensor[M]; boxes in input pixels from a decoder, original pixels after mapping.
Candidates = tuple[torch.Tensor, torch.Tensor, torch.Tensor]

# Cap on candidates entering NMS: its cost grows with the square of their number, and
# below a few hundred per image no kept box is lost at the thresholds users choose.
PRE_NMS_TOP_K = 1000


class Detector(ABC):
    """Runs one model. Thread-safe: forward passes only read the weights."""

    def __init__(self, name: str, categories: Sequence[str]) -> None:
        self.name = name
        self.categories = tuple(categories)

    def detect(self, images: Sequence[Image.Image], options: DetectOptions | None = None) -> list[Detections]:
        """RGB photos -> one `Detections` per photo, boxes in that photo's pixels, best first."""
        options = options or DetectOptions()
        if not images:
            return []
        with torch.inference_mode():
            found = self.candidates(images, options.score_threshold)
        return [select(candidates, options, self.categories) for candidates in found]

    @abstractmethod
    def candidates(self, images: Sequence[Image.Image], score_floor: float) -> list[Candidates]:
        """Per photo, every box scoring at least `score_floor`, in the photo's own pixels."""


class FixedInputDetector(Detector):
    """A model with a fixed input size: photos are fitted into it and boxes mapped back.

    `forward` is the model itself or the same model in another runtime (see `runtime.py`).
    """

    def __init__(
        self,
        name: str,
        categories: Sequence[str],
        forward: Callable[[torch.Tensor], Sequence[torch.Tensor]],
        input_spec: InputSpec,
        decode: Callable[[tuple[torch.Tensor, ...], float], list[Candidates]],
    ) -> None:
        super().__init__(name, categories)
        self.forward = forward
        self.input_spec = input_spec
        self.decode = decode

    def candidates(self, images: Sequence[Image.Image], score_floor: float) -> list[Candidates]:
        prepared = [prepare(image, self.input_spec) for image in images]
        batch = torch.stack([tensor for tensor, _ in prepared])
        decoded = self.decode(tuple(self.forward(batch)), score_floor)
        return [
            (placement.to_original(boxes), scores, class_ids)
            for (boxes, scores, class_ids), (_, placement) in zip(decoded, prepared, strict=True)
        ]


def select(candidates: Candidates, options: DetectOptions, categories: Sequence[str]) -> Detections:
    """Score threshold, class filter, per-class NMS and the top-N cut, in that order."""
    boxes, scores, class_ids = candidates
    keep = scores >= options.score_threshold
    if options.class_ids is not None:
        keep &= torch.isin(class_ids, torch.tensor(sorted(options.class_ids), dtype=class_ids.dtype))
    boxes, scores, class_ids = boxes[keep].float(), scores[keep].float(), class_ids[keep]
    if scores.numel() > PRE_NMS_TOP_K:
        top = scores.topk(PRE_NMS_TOP_K).indices
        boxes, scores, class_ids = boxes[top], scores[top], class_ids[top]
    # batched_nms returns indices sorted by decreasing score.
    order = batched_nms(boxes, scores, class_ids, options.iou_threshold)[: options.max_detections]
    return Detections.from_arrays(boxes[order].numpy(), scores[order].numpy(), class_ids[order].numpy(), categories)
