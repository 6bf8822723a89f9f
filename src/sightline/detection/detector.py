"""A loaded model with its pre- and post-processing: photos in, `Detections` out.

Everything here is NumPy; only the forward pass itself runs in ONNX Runtime or PyTorch.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from .detections import Detections
from .fusion import Candidates, mirror, unmirror, weighted_boxes_fusion
from .images import Photo, load_photo
from .options import DetectOptions
from .preprocessing import InputSpec, fitted_size, prepare

# Candidates (fusion.py) for one image before NMS: boxes float32[M, 4] xyxy, scores float32[M], class
# ids int64[M]; boxes in input pixels from a decoder, original pixels after mapping back.

# A forward pass: uint8[B, H, W, 3] RGB pixels fitted to the input -> the served model's output arrays.
Forward = Callable[[np.ndarray], Sequence[np.ndarray]]

# Cap on candidates entering NMS: its cost grows with the square of their number, and
# below a few hundred per image no kept box is lost at the thresholds users choose.
PRE_NMS_TOP_K = 1000


def run_pass(detector: Detector, photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
    """One model's forward pass and decoding, called directly."""
    return detector.candidates(photos, score_floor)


# How a pass is run: (model, photos, score floor) -> candidates per photo. The server passes one that
# takes the model's own lock and records its time, so an ensemble's members queue like any request.
PassRunner = Callable[["Detector", Sequence[Photo], float], list[Candidates]]


class Detector(ABC):
    """Runs one model. Thread-safe: forward passes only read the weights.

    `nms_free`: the model gives one box per object itself (YOLO end-to-end heads, DETR-family set
    prediction), so the request's per-class NMS is not applied, as their own predictors apply none;
    `agnostic_nms`, asked for explicitly, still is.
    """

    nms_free = False

    def __init__(self, name: str, categories: Sequence[str]) -> None:
        self.name = name
        self.categories = tuple(categories)

    def detect(
        self,
        images: Sequence[Image.Image | Photo],
        options: DetectOptions | None = None,
        run: PassRunner = run_pass,
    ) -> list[Detections]:
        """RGB photos -> one `Detections` per photo, boxes in that photo's (original) pixels, best first."""
        options = options or DetectOptions()
        if not images:
            return []
        photos = [image if isinstance(image, Photo) else Photo.from_image(image) for image in images]
        found = self.gather(photos, options, run)
        if options.tta_flip:
            flipped = self.gather([mirror(photo) for photo in photos], options, run)
            found = [
                weighted_boxes_fusion(
                    [
                        suppress(plain, options, self.nms_free),
                        unmirror(suppress(mirrored, options, self.nms_free), photo.width),
                    ],
                    (1.0, 1.0),
                )
                for plain, mirrored, photo in zip(found, flipped, photos, strict=True)
            ]
        return [self.selected(candidates, options, photo) for candidates, photo in zip(found, photos, strict=True)]

    def selected(self, candidates: Candidates, options: DetectOptions, photo: Photo) -> Detections:
        """What `detect` returns for one photo from its candidates (see `select`)."""
        return select(candidates, options, self.categories, self.nms_free)

    def gather(self, photos: Sequence[Photo], options: DetectOptions, run: PassRunner) -> list[Candidates]:
        """Per photo, the candidates `detect` selects from; one pass of this model through `run`."""
        return run(self, photos, options.score_threshold)

    def decode_size(self, width: int, height: int) -> tuple[int, int] | None:
        """The least decoded size (upright width, height) of a width x height photo that still gives
        this model its full input (see `images.load_photo`); None: the photo's own size."""
        return None

    def warm_up(self) -> list[str]:
        """Take every path a request takes once, so that the first request is as fast as later ones:
        decoding a JPEG (at reduced scale where the model allows), fitting, every forward-pass
        layout, NMS. Returns the forward-pass layouts run."""
        photo = load_photo(_warm_up_jpeg(), decode_size=self.decode_size)
        self.detect([photo], DetectOptions(score_threshold=0.0))
        return ["default"]

    @abstractmethod
    def candidates(self, photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
        """Per photo, every box scoring at least `score_floor`, in the original photo's pixels."""


class FixedInputDetector(Detector):
    """A model with a fixed input size: photos are fitted into it and boxes mapped back.

    `forward` is the model with its decoding, in PyTorch or ONNX Runtime (see `runtime.py`);
    `decode` turns its outputs into candidates per image. `clip_after_nms`: boxes are cut at the
    photo's edges after NMS rather than before, as Ultralytics' predictor does; cutting first changes
    the overlap of boxes that reach past an edge, and so which of them NMS keeps.
    """

    def __init__(
        self,
        name: str,
        categories: Sequence[str],
        forward: Forward,
        input_spec: InputSpec,
        decode: Callable[[Sequence[np.ndarray], float], list[Candidates]],
        clip_after_nms: bool = False,
        nms_free: bool = False,
    ) -> None:
        super().__init__(name, categories)
        self.nms_free = nms_free
        self.forward = forward
        self.input_spec = input_spec
        self.decode = decode
        self.clip_after_nms = clip_after_nms

    def selected(self, candidates: Candidates, options: DetectOptions, photo: Photo) -> Detections:
        found = super().selected(candidates, options, photo)
        return found.clipped(*photo.size) if self.clip_after_nms else found

    def decode_size(self, width: int, height: int) -> tuple[int, int] | None:
        if self.input_spec.resample != "box":
            return None  # the exporters' own resizing is only reproduced from the full-size pixels
        return fitted_size(self.input_spec, width, height)

    def warm_up(self) -> list[str]:
        photo = load_photo(_warm_up_jpeg(), decode_size=self.decode_size)
        pixels, _ = prepare(photo, self.input_spec)
        warm = getattr(self.forward, "warm_up", None)
        layouts = warm(pixels[None]) if warm is not None else ["default"]
        self.detect([photo], DetectOptions(score_threshold=0.0))
        return layouts

    def candidates(self, photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
        prepared = [prepare(photo, self.input_spec) for photo in photos]
        batch = np.stack([pixels for pixels, _ in prepared])
        decoded = self.decode(self.forward(batch), score_floor)
        return [
            (placement.to_original(boxes, clip=not self.clip_after_nms), scores, class_ids)
            for (boxes, scores, class_ids), (_, placement) in zip(decoded, prepared, strict=True)
        ]


def _warm_up_jpeg() -> bytes:
    """A phone-sized JPEG (big enough for a reduced decode) with some structure for the model to find."""
    gradient = np.linspace(0, 255, 1600, dtype=np.uint8)
    pixels = np.stack(np.broadcast_arrays(gradient[None, :], gradient[:1200, None], 128), axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def select(
    candidates: Candidates, options: DetectOptions, categories: Sequence[str], nms_free: bool = False
) -> Detections:
    """Score threshold, class filter, NMS and the top-N cut, in that order."""
    return Detections.from_arrays(*suppress(candidates, options, nms_free), categories)


def suppress(candidates: Candidates, options: DetectOptions, nms_free: bool = False) -> Candidates:
    """`select` before naming the classes: the kept candidates, best first.

    NMS is per class, or across classes with `options.agnostic_nms` (one label per object); an
    NMS-free model's candidates (`Detector.nms_free`) are only suppressed across classes, when asked.
    """
    boxes, scores, class_ids = candidates
    keep = scores >= options.score_threshold
    if options.class_ids is not None:
        keep &= np.isin(class_ids, list(options.class_ids))
    boxes, scores, class_ids = boxes[keep], scores[keep], class_ids[keep]
    if len(scores) > PRE_NMS_TOP_K:
        top = np.argsort(-scores, kind="stable")[:PRE_NMS_TOP_K]
        boxes, scores, class_ids = boxes[top], scores[top], class_ids[top]
    if options.agnostic_nms:
        order = batched_nms(boxes, scores, np.zeros_like(class_ids), options.iou_threshold)
    elif nms_free:
        order = np.argsort(-scores, kind="stable")
    else:
        order = batched_nms(boxes, scores, class_ids, options.iou_threshold)
    order = order[: options.max_detections]
    return boxes[order], scores[order], class_ids[order]


def batched_nms(boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Per-class non-maximum suppression; indices of the kept boxes, best score first.

    Same rule as `torchvision.ops.batched_nms` (a box is dropped when its IoU with a better box of
    its class exceeds the threshold; tests check they agree), without loading PyTorch.
    """
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    # Shifting each class to its own region keeps boxes of different classes from ever overlapping.
    shifted = boxes.astype(np.float64) + (class_ids.astype(np.float64) * (float(boxes.max()) + 1.0))[:, None]
    areas = (shifted[:, 2] - shifted[:, 0]) * (shifted[:, 3] - shifted[:, 1])
    order = np.argsort(-scores, kind="stable")
    kept = []
    while order.size:
        best, rest = order[0], order[1:]
        kept.append(best)
        width = np.minimum(shifted[best, 2], shifted[rest, 2]) - np.maximum(shifted[best, 0], shifted[rest, 0])
        height = np.minimum(shifted[best, 3], shifted[rest, 3]) - np.maximum(shifted[best, 1], shifted[rest, 1])
        overlap = np.clip(width, 0, None) * np.clip(height, 0, None)
        iou = overlap / (areas[best] + areas[rest] - overlap)
        order = rest[iou <= iou_threshold]
    return np.array(kept, dtype=np.int64)
