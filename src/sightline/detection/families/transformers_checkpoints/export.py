"""Exporting a transformers checkpoint to ONNX, and the check that decides whether the export is served.

An export is only as good as the tracer's view of the model: torch's exporters turn a transformers
RT-DETR into a graph whose query selection is frozen (the first anchors' boxes whatever the photo).
So an export is accepted only if, on several different photos, the served path (our processing, the
graph in ONNX Runtime, our decoding: `exported.py`) finds the checkpoint's own detections (its
processor, the model in PyTorch, its `post_process_object_detection`) within 1 px and 0.01 in score,
with the same labels, and is faster; otherwise the checkpoint is served in PyTorch and the entry says
why. Needs torch and transformers; serving an accepted export needs neither.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ...detector import Candidates
from ...images import Photo
from .exported import ExportedCheckpointDetector, ProcessorFacts, UnsupportedProcessorError

# The detections compared are those over the page's score floor, the least a user sees.
CHECK_SCORE_FLOOR = 0.05
BOX_TOLERANCE = 1.0  # pixels, every coordinate
SCORE_TOLERANCE = 0.01
# A frozen graph answers the same for every photo: it takes different photos to tell.
MIN_PHOTOS = 3
FINGERPRINTED = ("config.json", "preprocessor_config.json", "model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class ExportCheck:
    """The verdict on one export; `reason` is what the models file and `sightline models` show."""

    accepted: bool
    reason: str
    eager_ms: float | None = None  # mean per photo, processing included, as served
    onnx_ms: float | None = None


def fingerprint(folder: Path) -> str:
    """sha256 over the checkpoint's config, processor config and weights: changes when any of them does."""
    digest = hashlib.sha256()
    for name in FINGERPRINTED:
        path = folder / name
        if path.is_file():
            digest.update(name.encode() + b"\0")
            with open(path, "rb") as stream:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def export_checkpoint(folder: Path, path: Path, example: Image.Image) -> None:
    """The checkpoint as an ONNX graph: float32[1, 3, H, W] `pixel_values` (any H, W) ->
    `logits` float32[1, queries, classes (+1)], `pred_boxes` float32[1, queries, 4] normalised cxcywh."""
    import torch
    from transformers import AutoModelForObjectDetection

    model = AutoModelForObjectDetection.from_pretrained(folder, local_files_only=True).eval()

    class Outputs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values):
            outputs = self.model(pixel_values=pixel_values)
            return outputs.logits, outputs.pred_boxes

    pixels = torch.from_numpy(ProcessorFacts.read(folder).pixel_values(example))
    with torch.no_grad():
        torch.onnx.export(
            Outputs().eval(),  # left in training mode, the exporter would put the model back into it
            (pixels,),
            path,
            dynamo=False,
            input_names=["pixel_values"],
            output_names=["logits", "pred_boxes"],
            dynamic_axes={"pixel_values": {2: "height", 3: "width"}},
            opset_version=17,
        )


def disagreement(reference: Candidates, exported: Candidates, floor: float = CHECK_SCORE_FLOOR) -> str | None:
    """How the exported path's detections differ from the checkpoint's, or None when they agree.
    A detection within SCORE_TOLERANCE of the floor may fall on either side of it."""
    boxes, scores, labels = exported
    unmatched = set(range(len(scores)))
    for box, score, label in zip(*reference, strict=True):
        close = [
            i
            for i in unmatched
            if labels[i] == label
            and np.abs(boxes[i] - box).max() <= BOX_TOLERANCE
            and abs(scores[i] - score) <= SCORE_TOLERANCE
        ]
        if close:
            unmatched.remove(min(close, key=lambda i: np.abs(boxes[i] - box).max()))
        elif score - floor >= SCORE_TOLERANCE:
            return f"class {label} at {np.round(box, 1).tolist()} (score {score:.3f}) has no match in the export"
    extra = [i for i in unmatched if scores[i] - floor >= SCORE_TOLERANCE]
    if extra:
        return f"the export finds {len(extra)} boxes the checkpoint does not (score up to {max(scores[extra]):.3f})"
    return None


def check_export(
    folder: Path, onnx_path: Path, photos: Mapping[str, Image.Image], categories: tuple[str, ...]
) -> ExportCheck:
    """Serve `onnx_path` as `exported.py` would and compare it with the checkpoint on every photo."""
    from . import load_eager

    if len(photos) < MIN_PHOTOS:
        return ExportCheck(False, f"not checked: {len(photos)} photos given, {MIN_PHOTOS} needed")
    eager = load_eager("check", categories, folder)
    served = ExportedCheckpointDetector("check", categories, folder, onnx_path)
    prepared = {name: Photo.from_image(image.convert("RGB")) for name, image in photos.items()}
    first = next(iter(prepared.values()))
    eager.candidates([first], CHECK_SCORE_FLOOR)  # first passes plan memory and kernels: not timed
    served.candidates([first], CHECK_SCORE_FLOOR)
    eager_seconds = served_seconds = 0.0
    compared = 0
    for name, photo in prepared.items():
        started = time.perf_counter()
        (reference,) = eager.candidates([photo], CHECK_SCORE_FLOOR)
        eager_seconds += time.perf_counter() - started
        started = time.perf_counter()
        (ours,) = served.candidates([photo], CHECK_SCORE_FLOOR)
        served_seconds += time.perf_counter() - started
        problem = disagreement(reference, ours)
        if problem:
            return ExportCheck(False, f"rejected: on {name}, {problem}")
        compared += len(reference[1])
    eager_ms, onnx_ms = 1000 * eager_seconds / len(prepared), 1000 * served_seconds / len(prepared)
    if compared == 0:
        return ExportCheck(
            False,
            f"not checked: the checkpoint finds nothing over {CHECK_SCORE_FLOOR} on the photos",
            eager_ms,
            onnx_ms,
        )
    timing = f"{onnx_ms:.0f} ms per photo against {eager_ms:.0f} ms in PyTorch"
    if onnx_ms >= eager_ms:
        return ExportCheck(False, f"rejected: same detections but not faster ({timing})", eager_ms, onnx_ms)
    return ExportCheck(
        True,
        f"accepted: the same {compared} detections on {len(prepared)} photos, {timing}",
        eager_ms,
        onnx_ms,
    )


def export_and_check(
    folder: Path, path: Path, photos: Mapping[str, Image.Image], categories: tuple[str, ...]
) -> ExportCheck:
    """Export to `path` and keep the file only if the check accepts it; otherwise any earlier export
    there is removed. The file appears whole or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        check = _export_then_check(folder, partial, photos, categories)
        if check.accepted:
            os.replace(partial, path)
        else:
            path.unlink(missing_ok=True)
        return check
    finally:
        partial.unlink(missing_ok=True)


def _export_then_check(
    folder: Path, path: Path, photos: Mapping[str, Image.Image], categories: tuple[str, ...]
) -> ExportCheck:
    if len(photos) < MIN_PHOTOS:
        return ExportCheck(False, f"not checked: {len(photos)} photos given, {MIN_PHOTOS} needed")
    try:
        ProcessorFacts.read(folder)
    except UnsupportedProcessorError as error:
        return ExportCheck(False, f"not exported: {error}")
    try:
        export_checkpoint(folder, path, next(iter(photos.values())).convert("RGB"))
    except Exception as error:  # the exporter raises many types for what it cannot trace
        first_line = (str(error).strip().splitlines() or [""])[0][:200]
        return ExportCheck(False, f"not exported: torch.onnx.export failed ({type(error).__name__}: {first_line})")
    return check_export(folder, path, photos, categories)
