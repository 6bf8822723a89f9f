"""Ultralytics YOLO datasets: `data.yaml` naming the classes and the image folders, one `labels/*.txt` per image.

A label line is `class x_center y_center width height`, normalised to 0..1 by the image's size; the
label file of `images/a/b.jpg` is `labels/a/b.txt` (Ultralytics' rule: the last `images` folder
becomes `labels`). An image without a label file has no objects. YOLO has no crowd flag: export
leaves crowd regions out of `labels/`, so that training never takes a box around a group for one
object, and writes them in the same format under `crowd/`, which Ultralytics ignores and import
reads back as crowd regions. Import checks everything before anything is stored, like COCO import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from ..storage.files import ImageStore
from .atomic_folder import atomic_folder, safe_member_path
from .coco import category_names
from .dataset_checks import (
    CheckedImage,
    DatasetError,
    check_image_file,
    coco_class_id,
    listing,
    plural,
    read_document,
    refuse_unknown_classes,
)
from .datasets import LabelledImage

DATA_FILE = "data.yaml"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
_CROWD_FOLDER = "crowd"


def export_yolo(images: Sequence[LabelledImage], store: ImageStore, directory: Path) -> Path:
    """Write DIRECTORY/data.yaml, images/, labels/ (and crowd/ when there are crowd regions), all or nothing.

    Returns the data.yaml path.
    """
    import yaml

    names = category_names(images)
    index = {name: i for i, name in enumerate(names)}
    with atomic_folder(directory) as staging:
        for image in images:
            safe_member_path(staging / "images", image.file_name).write_bytes(store.read(image.sha256))
            lines: dict[bool, list[str]] = {False: [], True: []}
            for (x1, y1, x2, y2), label, crowd in zip(
                image.truth.boxes.tolist(), image.truth.labels, image.crowd, strict=True
            ):
                centre_x, centre_y = (x1 + x2) / 2 / image.width, (y1 + y2) / 2 / image.height
                width, height = (x2 - x1) / image.width, (y2 - y1) / image.height
                lines[crowd].append(f"{index[label]} {centre_x:.6f} {centre_y:.6f} {width:.6f} {height:.6f}")
            label_name = str(Path(image.file_name).with_suffix(".txt"))
            safe_member_path(staging / "labels", label_name).write_text("".join(f"{line}\n" for line in lines[False]))
            if lines[True]:
                safe_member_path(staging / _CROWD_FOLDER, label_name).write_text("\n".join(lines[True]) + "\n")
        document = {"path": ".", "train": "images", "val": "images", "names": dict(enumerate(names))}
        (staging / DATA_FILE).write_text(yaml.safe_dump(document, sort_keys=False))
    return Path(directory) / DATA_FILE


def read_yolo(data_file: Path, max_pixels: int) -> list[CheckedImage]:
    """Parse and check a YOLO data.yaml, its images and labels; raises DatasetError naming the first problem."""
    import yaml

    data_file = Path(data_file)
    if data_file.is_dir():
        data_file = data_file / DATA_FILE
    where = data_file.name
    document = read_document(data_file, yaml.safe_load, "YAML", (yaml.YAMLError,))
    if not isinstance(document, dict):
        raise DatasetError(f"{where}: the top level must be a mapping with 'names' and 'train' or 'val'")
    names = _names(document.get("names"), where)
    root = data_file.parent / str(document.get("path") or ".")
    folders = _image_folders(document, root, where)

    images: dict[Path, Path] = {}  # image path -> the folder it was found under
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()):
            images.setdefault(path, folder)
    if not images:
        raise DatasetError(f"{where}: no images in {listing([str(f) for f in folders])}")

    checked = []
    unknown: set[str] = set()
    for path in images:
        found = check_image_file(path, _file_name(path, root), max_pixels)
        for crowd, label_file in ((False, _label_file(path, "labels")), (True, _label_file(path, _CROWD_FOLDER))):
            if label_file is None or not label_file.is_file():
                continue
            for number, line in enumerate(label_file.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                box, name = _box(line, names, f"{label_file.relative_to(root)} line {number}", found)
                class_id = coco_class_id(name, unknown)
                if class_id is not None:
                    found.add_box(box, class_id, crowd)
        checked.append(found)
    orphans = _labels_without_images(root, images)
    if orphans:
        raise DatasetError(f"{len(orphans)} label {plural(len(orphans), 'file')} with no image: {listing(orphans)}")
    refuse_unknown_classes(unknown, where)
    return checked


def _names(names: object, where: str) -> dict[int, str]:
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        return dict(enumerate(names))
    if isinstance(names, dict) and all(isinstance(k, int) and isinstance(v, str) for k, v in names.items()):
        return names
    raise DatasetError(f"{where}: 'names' must be a list of class names or a mapping of class ids to names")


def _image_folders(document: dict, root: Path, where: str) -> list[Path]:
    folders = []
    for split in ("train", "val", "test"):
        entries = document.get(split)
        if entries is None:
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, str):
                raise DatasetError(f"{where}: '{split}' must be a folder or a list of folders")
            folder = root / entry
            if folder.suffix == ".txt":
                raise DatasetError(f"{where}: '{split}' is a list file ({entry}); give the images folder instead")
            if not folder.is_dir():
                raise DatasetError(f"{where}: '{split}' folder {folder} does not exist")
            if folder.resolve() not in (f.resolve() for f in folders):
                folders.append(folder)
    if not folders:
        raise DatasetError(f"{where}: name the images folder in 'train' or 'val'")
    return folders


def _file_name(path: Path, root: Path) -> str:
    """The image's name in the dataset: its path under the images folder (`images/a/b.jpg` is `a/b.jpg`)."""
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        raise DatasetError(
            f"{path} lies outside the dataset folder {root}; keep the image folders under 'path'"
        ) from None
    if "images" in parts:
        parts = parts[len(parts) - 1 - parts[::-1].index("images") + 1 :]
    return "/".join(parts)


def _label_file(image: Path, folder: str) -> Path | None:
    parts = image.parts
    if "images" not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index("images")
    return Path(*parts[:at], folder, *parts[at + 1 :]).with_suffix(".txt")


def _labels_without_images(root: Path, images: dict[Path, Path]) -> list[str]:
    expected = {_label_file(path, folder) for path in images for folder in ("labels", _CROWD_FOLDER)}
    orphans = []
    for folder in ("labels", _CROWD_FOLDER):
        for label in sorted((root / folder).rglob("*.txt")) if (root / folder).is_dir() else ():
            if label not in expected:
                orphans.append(str(label.relative_to(root)))
    return orphans


def _box(line: str, names: dict[int, str], where: str, image: CheckedImage) -> tuple[tuple[float, ...], str]:
    values = line.split()
    if len(values) != 5:
        raise DatasetError(
            f"{where}: {len(values)} values; a box is 'class x_center y_center width height' (segments are not boxes)"
        )
    try:
        class_id = int(values[0])
        centre_x, centre_y, width, height = (float(v) for v in values[1:])
    except ValueError:
        raise DatasetError(f"{where}: {line.strip()!r} is not a class number and four numbers") from None
    if class_id not in names:
        raise DatasetError(f"{where}: class {class_id} is not in 'names' (0..{max(names)})")
    if not all(math.isfinite(v) for v in (centre_x, centre_y, width, height)) or width <= 0 or height <= 0:
        raise DatasetError(f"{where}: the box needs a width and height above 0, not {width:g} x {height:g}")
    x1, x2 = (centre_x - width / 2) * image.width, (centre_x + width / 2) * image.width
    y1, y2 = (centre_y - height / 2) * image.height, (centre_y + height / 2) * image.height
    slack = 1e-3  # a pixel's thousandth: normalised coordinates written with few decimals
    if x1 < -slack or y1 < -slack or x2 > image.width + slack or y2 > image.height + slack:
        raise DatasetError(f"{where}: the box lies outside the image (coordinates are fractions of its size, 0..1)")
    box = (max(x1, 0.0), max(y1, 0.0), min(x2, float(image.width)), min(y2, float(image.height)))
    return box, names[class_id]
