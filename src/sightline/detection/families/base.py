"""What every model family provides, and what families share: models-file entry helpers, and the
forward pass over a user's ONNX file (the YOLO and DETR families; `onnx_files.inspect` tells which)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..categories import CATEGORY_SETS
from ..preprocessing import InputSpec
from ..runtime import CoreSharing, OnnxRuntimeForward
from ..spec import ModelConfigError

if TYPE_CHECKING:
    from ..detector import Detector
    from ..spec import ModelSpec


@dataclass(frozen=True)
class LoadContext:
    """What building a detector may use besides its spec.

    inference_backend: "onnxruntime" or "torch", for the models that can run in either.
    threads: intra-op threads per pass (0: the runtime's choice).
    passes: see `runtime.OnnxRuntimeForward`.
    member: loads another registered model by name (an ensemble's members).
    """

    inference_backend: str = "onnxruntime"
    threads: int = 0
    passes: CoreSharing | None = None
    member: Callable[[str], Detector] | None = None


class Family(ABC):
    """A kind of model: how its specs become detectors. One instance per family."""

    format: str  # what `ModelSpec.format` reports for its models (registry.MODEL_FORMATS)
    # False for families that hold no weights of their own (ensembles): built afresh on each use.
    cached: bool = True

    @abstractmethod
    def build(self, spec: ModelSpec, context: LoadContext) -> Detector:
        """Load the model's weights and wrap them with their pre- and post-processing."""

    def fix(self, spec: ModelSpec) -> str:
        """What the user can do when the model cannot be loaded."""
        return "replace the file, or correct its entry in models.toml"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class FileFamily(Family):
    """A family whose models users register with `sightline models add` (`format = ...` entries)."""

    def fix(self, spec: ModelSpec) -> str:
        return f"export the model again, or register a good copy with `sightline models add PATH --name {spec.name}`"


class OnnxFileFamily(FileFamily):
    format = "onnx"
    layouts: tuple[str, ...]  # the `layout` values of its models-file entries

    @abstractmethod
    def input_spec(self, size: tuple[int, int], mean=None, std=None) -> InputSpec:
        """The input the family's exporter prepares, for an input of size (width, height);
        mean/std: an entry's own normalisation (0..1 units), where the family takes one."""


class OnnxFileForward(OnnxRuntimeForward):
    """uint8[B, H, W, 3] RGB pixels -> the file's outputs: normalised float32 NCHW, one photo per run when
    the file was exported for batch 1 (as Ultralytics exports by default)."""

    def __init__(self, path: Path, spec: InputSpec, threads: int = 0, passes: CoreSharing | None = None) -> None:
        super().__init__(path, threads, passes)
        batch = self.session.get_inputs()[0].shape[0]
        self.one_at_a_time = batch == 1
        self.mean = np.array(spec.mean, dtype=np.float32).reshape(1, 3, 1, 1)
        self.std = np.array(spec.std, dtype=np.float32).reshape(1, 3, 1, 1)

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        images = (batch.transpose(0, 3, 1, 2).astype(np.float32) - self.mean) / self.std
        if not self.one_at_a_time or len(images) == 1:
            return super().__call__(images)
        runs = [super(OnnxFileForward, self).__call__(image[None]) for image in images]
        return [np.concatenate(parts) for parts in zip(*runs, strict=True)]


def entry_categories(entry: dict, where: str) -> tuple[str, ...] | None:
    """A models-file entry's `categories`: a list of names or a known set's name ("coco"); None if absent."""
    categories = entry.get("categories")
    if categories is None:
        return None
    if isinstance(categories, str):
        if categories not in CATEGORY_SETS:
            raise ModelConfigError(f"{where}: categories must be a list of names or one of {list(CATEGORY_SETS)}")
        return CATEGORY_SETS[categories]
    if not (isinstance(categories, list) and categories and all(isinstance(c, str) for c in categories)):
        raise ModelConfigError(f"{where}: categories must be a non-empty list of names")
    return tuple(categories)
