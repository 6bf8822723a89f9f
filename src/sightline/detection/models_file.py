"""Reading the models file (models.toml): each entry becomes the spec of its family's model.

An entry with `format = "onnx"` or `format = "transformers"` is a detector brought as a file or
folder::

    [models.yolo11n]
    format = "onnx"
    weights = "yolo11n.onnx"        # relative to models.toml
    layout = "yolo"                 # recognised from the file when absent (see onnx_files.LAYOUTS)
    input_size = [640, 640]         # width, height; from the file when absent
    categories = ["person", ...]    # from the file's metadata when absent
    mean = [0.485, 0.456, 0.406]    # DETR-style files: the normalisation, 0..1 units (default: none)
    std = [0.229, 0.224, 0.225]

A transformers entry written by `models add` also says how it is served (`served = "onnxruntime"`
with its checked `export` file and the `checkpoint_sha256` it was checked against, or
`served = "pytorch"`) and why (`export_check`).

An entry with `members = [...]` an ensemble (`families/ensemble`), and one with an `architecture` a
torchvision state dict (`families/torchvision_models`).

`sightline models add` inspects the file and writes every fact, so reading the models file opens no
model file. A file entry that cannot be used is kept with its reason: using that model answers
`model_unavailable`, every other model keeps serving. Any other malformed entry makes the whole file
invalid (ModelConfigError).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from . import onnx_files
from .families import ensemble, torchvision_models, transformers_checkpoints
from .families.base import entry_categories
from .spec import ModelConfigError, ModelSpec

FORMATS = ("onnx", "transformers")


def read_models_file(path: Path) -> list[ModelSpec]:
    """User-registered models from a TOML file (see module docstring)."""
    try:
        config = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ModelConfigError(f"{path}: not valid TOML ({error})") from error
    specs = []
    for name, entry in config.get("models", {}).items():
        if not isinstance(entry, dict):
            raise ModelConfigError(f"{path}: [models.{name}] must be a table")
        if "format" in entry:
            specs.append(file_model_spec(name, entry, path))
        elif "members" in entry:
            specs.append(ensemble.FAMILY.spec_from_entry(name, entry, path))
        else:
            specs.append(torchvision_models.FAMILY.spec_from_entry(name, entry, path))
    return specs


def _size(entry: dict, where: str) -> tuple[int, int] | None:
    size = entry.get("input_size")
    if size is None:
        return None
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size)):
        raise ValueError(f"{where}: input_size must be [width, height] in pixels")
    return (size[0], size[1])


def _normalisation(entry: dict, key: str, where: str) -> tuple[float, float, float] | None:
    value = entry.get(key)
    if value is None:
        return None
    numbers = isinstance(value, list) and len(value) == 3 and all(isinstance(v, int | float) for v in value)
    if not numbers or (key == "std" and min(value) <= 0):
        raise ValueError(
            f"{where}: {key} must be three numbers (red, green, blue, in 0..1 units{', above 0' if key == 'std' else ''})"
        )
    return (float(value[0]), float(value[1]), float(value[2]))


def file_model_spec(name: str, entry: dict, models_file: Path) -> ModelSpec:
    """The ModelSpec of one `format = ...` entry; one that cannot be used carries its `problem`."""
    where = f"{models_file}: [models.{name}]"
    format_ = entry.get("format")
    weights = (models_file.parent / str(entry.get("weights", ""))).resolve()
    facts: dict = {
        "name": name,
        # Until the file is read, any ONNX family stands in: they report the same format and fix.
        "family": transformers_checkpoints.FAMILY if format_ == "transformers" else onnx_files.FAMILIES[0],
        "version": str(entry.get("version", "1")),
        "architecture": str(entry.get("layout", format_)),
        "description": str(entry.get("description", f"{format_} model from {weights.name}")),
        "categories": (),
        "input_spec": None,
        "weights": weights,
        "license": str(entry.get("license", "unknown")),
        "source": str(weights),
        "published_accuracy": str(entry.get("published_accuracy", "")),
        "weights_sha256": entry.get("sha256"),
    }
    try:
        if format_ not in FORMATS:
            raise ValueError(f"{where}: format must be one of {', '.join(FORMATS)}")
        if not isinstance(entry.get("weights"), str):
            raise ValueError(f"{where}: 'weights' (the model's file or folder) is required")
        categories, size, layout = entry_categories(entry, where), _size(entry, where), entry.get("layout")
        if format_ == "transformers":
            found = transformers_checkpoints.inspect(weights)
            facts.update(architecture=found.layout, categories=categories or found.categories)
            served = entry.get("served", "pytorch")
            if served not in transformers_checkpoints.SERVED:
                raise ValueError(f"{where}: served must be one of {', '.join(transformers_checkpoints.SERVED)}")
            if served == "onnxruntime":
                if not (isinstance(entry.get("export"), str) and isinstance(entry.get("checkpoint_sha256"), str)):
                    raise ValueError(f"{where}: served = \"onnxruntime\" needs 'export' and 'checkpoint_sha256'")
                facts.update(
                    export=(models_file.parent / entry["export"]).resolve(),
                    export_fingerprint=entry["checkpoint_sha256"],
                )
        else:
            if layout is not None and layout not in onnx_files.LAYOUTS:
                raise ValueError(f"{where}: layout must be one of {', '.join(onnx_files.LAYOUTS)}")
            mean, std = _normalisation(entry, "mean", where), _normalisation(entry, "std", where)
            if layout is None or size is None or categories is None:
                found = onnx_files.inspect(weights, layout)  # a hand-written entry: read what the file says
                layout, size, categories = (
                    layout or found.layout,
                    size or found.input_size,
                    categories or found.categories,
                )
                mean, std = mean or found.mean, std or found.std
            family = onnx_files.family(layout)
            facts.update(
                family=family,
                architecture=layout,
                categories=tuple(categories),
                input_spec=family.input_spec(size, mean, std),
            )
    except (ValueError, onnx_files.UnsupportedModelError, OSError) as error:
        facts["problem"] = str(error)
    return ModelSpec(**facts)
