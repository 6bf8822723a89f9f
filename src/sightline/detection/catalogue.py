"""`sightline models add` and `remove`: write and delete entries of the models file, checked first.

Adding inspects the file or folder, recognises its layout, builds the detector and runs it once on a
photo before anything is written (a transformers checkpoint is first exported to ONNX and the export
checked, `families/transformers_checkpoints/export.py`); the file is replaced atomically, so a running server (every
worker reads it again when it changes, see `ModelRegistry.refresh`) sees the whole old entry set or
the whole new one. Comments and other entries in the file are kept.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .detections import Detections
from .families import detr, transformers_checkpoints
from .models_file import file_model_spec
from .onnx_files import inspect
from .options import DetectOptions
from .registry import build_detector, builtin_specs
from .spec import ModelConfigError, ModelSpec

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class CatalogueError(ValueError):
    """The model cannot be added or removed; the message says why."""


@dataclass(frozen=True)
class Added:
    spec: ModelSpec
    replaced: bool
    detections: Detections
    seconds: float  # the one trial run on the photo
    export_check: str | None = None  # a checkpoint's: why it is served by ONNX Runtime or PyTorch


def _entry(path: Path, models_file: Path, layout: str | None, mean, std) -> dict:
    """The entry for `path`, with every fact the models file needs so reading it opens no model file;
    layout, mean, std: what the user says of an ONNX file (see `add_model`)."""
    try:
        weights = str(path.relative_to(models_file.parent.resolve()))
    except ValueError:
        weights = str(path)
    if path.is_dir():
        if layout or mean or std:
            raise CatalogueError(f"{path.name} is a checkpoint folder: its own processor sets the layout and mean/std")
        found = transformers_checkpoints.inspect(path)
        return {
            "format": "transformers",
            "weights": weights,
            "description": f"{found.model_type} checkpoint {path.name} (transformers)",
        }
    found = inspect(path, layout)
    if (mean or std) and found.layout not in detr.FAMILY.layouts:
        raise CatalogueError(
            f"{path.name}: mean/std apply to DETR-style files; {found.layout} files are fed pixel / 255"
        )
    entry = {
        "format": "onnx",
        "weights": weights,
        "layout": found.layout,
        "input_size": list(found.input_size),
        "categories": list(found.categories),
        "description": f"{path.name}: {found.layout} layout, {found.input_size[0]}x{found.input_size[1]}",
    }
    for key, value in (("mean", mean or found.mean), ("std", std or found.std)):
        if value is not None:
            entry[key] = [float(v) for v in value]
    return entry


def _read(models_file: Path):
    import tomlkit

    if not models_file.is_file():
        return tomlkit.document()
    try:
        return tomlkit.parse(models_file.read_text())
    except tomlkit.exceptions.ParseError as error:
        raise ModelConfigError(f"{models_file}: not valid TOML ({error})") from error


def _write(models_file: Path, document) -> None:
    import tomlkit

    models_file.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=models_file.parent, prefix=".models.", suffix=".toml")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(tomlkit.dumps(document))
        os.chmod(partial, 0o644)
        os.replace(partial, models_file)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def _export_entry(name: str, folder: Path, models_file: Path, photos: Mapping[str, Image.Image]) -> dict:
    """How a checkpoint is served: its ONNX export, stored next to the models file, when the check accepts
    it (`families/transformers_checkpoints/export.py`), else the checkpoint itself; and why."""
    from .families.transformers_checkpoints.export import export_and_check, fingerprint

    path = models_file.parent / f"{name}.transformers.onnx"
    models_file.parent.mkdir(parents=True, exist_ok=True)
    check = export_and_check(folder, path, photos, transformers_checkpoints.inspect(folder).categories)
    if not check.accepted:
        return {"served": "pytorch", "export_check": check.reason}
    return {
        "served": "onnxruntime",
        "export": path.name,
        "checkpoint_sha256": fingerprint(folder),
        "export_check": check.reason,
    }


def add_model(
    models_dir: Path,
    models_file: Path,
    source: Path,
    photo: Image.Image,
    name: str | None = None,
    layout: str | None = None,
    mean: tuple[float, float, float] | None = None,
    std: tuple[float, float, float] | None = None,
    check_photos: Mapping[str, Image.Image] | None = None,
) -> Added:
    """Register an ONNX file or a transformers checkpoint folder under `name` (default: its file name).

    For an ONNX file, `layout` (one of onnx_files.LAYOUTS) says what its outputs mean where they
    alone do not (`detr-softmax`); mean/std (0..1 units) the normalisation a DETR-style model was
    trained with, where the file does not show it. A checkpoint is exported to ONNX and checked on
    `check_photos` (name -> photo, several different ones); without them it is served in PyTorch.
    """
    import tomlkit

    source = source.resolve()
    if not source.exists():
        raise CatalogueError(f"{source}: no such file or folder")
    name = name or re.sub(r"[^A-Za-z0-9_-]", "-", source.stem if source.is_file() else source.name).strip("-")
    if not NAME.match(name):
        raise CatalogueError(f"model name {name!r}: use letters, digits, '_' and '-' (64 at most), starting with one")
    if name in {spec.name for spec in builtin_specs(models_dir)}:
        raise CatalogueError(f"{name!r} is a built-in model; choose another --name")
    entry = _entry(source, models_file, layout, mean, std)
    if entry["format"] == "transformers":
        entry.update(_export_entry(name, source, models_file, check_photos or {}))
        runtime = "ONNX Runtime" if entry["served"] == "onnxruntime" else "PyTorch"
        entry["description"] += f", served by {runtime} (ONNX export {entry['export_check']})"
    spec = file_model_spec(name, entry, models_file)
    detector = build_detector(spec)  # ModelLoadError says what is wrong
    started = time.perf_counter()
    (detections,) = detector.detect([photo.convert("RGB")], DetectOptions())
    seconds = time.perf_counter() - started

    document = _read(models_file)
    models = document.setdefault("models", tomlkit.table(is_super_table=True))
    replaced = name in models
    table = tomlkit.table()
    for key, value in entry.items():
        table[key] = value
    models[name] = table
    _write(models_file, document)
    return Added(spec, replaced, detections, seconds, entry.get("export_check"))


def remove_model(models_dir: Path, models_file: Path, name: str) -> None:
    if name in {spec.name for spec in builtin_specs(models_dir)}:
        raise CatalogueError(f"{name!r} is a built-in model and cannot be removed")
    document = _read(models_file)
    models = document.get("models", {})
    if name not in models:
        known = ", ".join(models) or "none"
        raise CatalogueError(f"no model {name!r} in {models_file}; registered there: {known}")
    export = models[name].get("export")
    del models[name]
    _write(models_file, document)
    if isinstance(export, str):
        (models_file.parent / export).unlink(missing_ok=True)
