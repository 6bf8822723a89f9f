"""What is known about a model before it is loaded (`ModelSpec`), and the errors of finding and loading one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .preprocessing import InputSpec
from .quantization import Quantization

if TYPE_CHECKING:
    from .families.base import Family


class UnknownModelError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class ModelConfigError(ValueError):
    """The user's models file is malformed; the message names the file and the entry."""


class ModelLoadError(RuntimeError):
    """A registered model's weights are missing or do not fit its architecture.

    str(error) is the whole story for the log; `summary` says the same without server paths, for clients.
    """

    def __init__(self, detail: str, summary: str | None = None) -> None:
        super().__init__(detail)
        self.summary = summary or detail


@dataclass(frozen=True)
class ModelSpec:
    """One model's weights facts and the family that builds it (see `families/`)."""

    name: str
    family: Family
    version: str
    architecture: str  # for models read from files: the layout of their outputs
    description: str
    categories: tuple[str, ...]
    input_spec: InputSpec | None  # None: the model sizes each photo itself
    weights: Path
    license: str
    source: str
    source_sha256: dict[str, str] = field(default_factory=dict)
    published_accuracy: str = ""
    builtin: bool = False
    weights_sha256: str | None = None
    problem: str | None = None  # why an entry cannot be used; using it answers model_unavailable
    # Set for the int8 variants of built-in models, which always run in ONNX Runtime.
    quantization: Quantization | None = None
    # An ensemble's member model names and their fusion weights; empty for a single model.
    members: tuple[str, ...] = ()
    member_weights: tuple[float, ...] = ()
    # A transformers checkpoint's ONNX export, accepted at `models add` because it gave the checkpoint's
    # own detections, faster; served instead of the checkpoint while the checkpoint's fingerprint (see
    # `families/transformers_checkpoints/export.py`) is still `export_fingerprint`.
    export: Path | None = None
    export_fingerprint: str | None = None

    @property
    def format(self) -> str:
        """One of `MODEL_FORMATS` (registry.py): how the model was brought."""
        return self.family.format

    @property
    def input_size(self) -> tuple[int, int] | None:
        return self.input_spec.size if self.input_spec else None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "architecture": self.architecture,
            "description": self.description,
            "classes": list(self.categories),
            "input_size": list(self.input_size) if self.input_size else None,
            "license": self.license,
            "source": self.source,
            "published_accuracy": self.published_accuracy,
            "builtin": self.builtin,
            "format": self.format,
            "members": list(self.members),
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
