"""models.toml entries for detectors brought as files: `format = "onnx"` or `format = "transformers"`.

    [models.yolo11n]
    format = "onnx"
    weights = "yolo11n.onnx"        # relative to models.toml
    layout = "yolo"                 # recognised from the file when absent (see onnx_files.LAYOUTS)
    input_size = [640, 640]         # width, height; from the file when absent
    categories = ["person", ...]    # from the file's metadata when absent

`sightline models add` inspects the file and writes every fact, so reading the catalogue opens no
model file. An entry that cannot be used is kept with its reason: using that model answers
`model_unavailable`, every other model keeps serving.
"""

from __future__ import annotations

from pathlib import Path

from .categories import CATEGORY_SETS
from .onnx_files import LAYOUTS, UnsupportedModelError, input_spec, inspect

FORMATS = ("onnx", "transformers")


def _categories(entry: dict, where: str) -> tuple[str, ...] | None:
    categories = entry.get("categories")
    if categories is None:
        return None
    if isinstance(categories, str):
        if categories not in CATEGORY_SETS:
            raise ValueError(f"{where}: categories must be a list of names or one of {list(CATEGORY_SETS)}")
        return CATEGORY_SETS[categories]
    if not (isinstance(categories, list) and categories and all(isinstance(c, str) for c in categories)):
        raise ValueError(f"{where}: categories must be a non-empty list of names")
    return tuple(categories)


def _size(entry: dict, where: str) -> tuple[int, int] | None:
    size = entry.get("input_size")
    if size is None:
        return None
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size)):
        raise ValueError(f"{where}: input_size must be [width, height] in pixels")
    return (size[0], size[1])


def file_model_spec(name: str, entry: dict, models_file: Path):
    """The ModelSpec of one `format = ...` entry; one that cannot be used carries its `problem`."""
    from .registry import ModelSpec

    where = f"{models_file}: [models.{name}]"
    format_ = entry.get("format")
    weights = (models_file.parent / str(entry.get("weights", ""))).resolve()
    facts: dict = {
        "name": name,
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
        "format": format_,
    }
    try:
        if format_ not in FORMATS:
            raise ValueError(f"{where}: format must be one of {', '.join(FORMATS)}")
        if not isinstance(entry.get("weights"), str):
            raise ValueError(f"{where}: 'weights' (the model's file or folder) is required")
        categories, size, layout = _categories(entry, where), _size(entry, where), entry.get("layout")
        if format_ == "transformers":
            from .families import transformers_checkpoints

            found = transformers_checkpoints.inspect(weights)
            spec = found.input_spec
            categories = categories or found.categories
            layout = found.layout
        else:
            if layout is not None and layout not in LAYOUTS:
                raise ValueError(f"{where}: layout must be one of {', '.join(LAYOUTS)}")
            if layout is None or size is None or categories is None:
                found = inspect(weights)  # a hand-written entry: read what the file says
                layout, size, categories = (
                    layout or found.layout,
                    size or found.input_size,
                    categories or found.categories,
                )
            spec = input_spec(layout, size, entry.get("mean"), entry.get("std"))
        facts.update(architecture=layout, categories=tuple(categories), input_spec=spec)
    except (ValueError, UnsupportedModelError, OSError) as error:
        facts["problem"] = str(error)
    return ModelSpec(**facts)
