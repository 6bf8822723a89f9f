"""COCO JSON datasets: export labelled images with their files, import a user's existing dataset.

Exported files use the 80 COCO classes with ids 0..79 in `COCO_80` order (the order of the
models' outputs), followed by any other label the dataset uses. Boxes are `[x, y, width, height]`
in pixels. Import reads categories by name, so files with the original 1..90 COCO ids work too.
Import checks everything before storing anything: a bad file changes nothing. `iscrowd` travels
both ways, so crowd regions stay regions that evaluation ignores.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..detection.categories import COCO_80
from ..storage import crud
from ..storage.files import ImageStore
from ..storage.models import Dataset, DatasetBox, DatasetImage
from ..storage.transaction import FileChanges
from .atomic_folder import atomic_folder, safe_member_path
from .dataset_checks import (
    CheckedImage,
    DatasetError,
    check_image_file,
    coco_class_id,
    read_document,
    refuse_unknown_classes,
    require_image_files,
)
from .datasets import LabelledImage

ANNOTATIONS_FILE = "annotations.json"
IMAGES_FOLDER = "images"


def category_names(images: Sequence[LabelledImage]) -> list[str]:
    """The classes an export writes, by id: COCO's 80 in the models' order, then any other label used."""
    names = list(COCO_80)
    for image in images:
        names += [label for label in image.truth.labels if label not in names]
    return names


def to_coco(images: Sequence[LabelledImage], description: str = "Sightline dataset") -> dict:
    """COCO JSON for `images` (their `file_name`s, boxes as [x, y, w, h])."""
    names = category_names(images)
    index = {name: i for i, name in enumerate(names)}
    annotations = []
    for image_number, image in enumerate(images, start=1):
        for box, label, crowd in zip(image.truth.boxes.tolist(), image.truth.labels, image.crowd, strict=True):
            x1, y1, x2, y2 = box
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_number,
                    "category_id": index[label],
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": (x2 - x1) * (y2 - y1),
                    "iscrowd": int(crowd),
                }
            )
    return {
        "info": {"description": description},
        "images": [
            {"id": number, "file_name": image.file_name, "width": image.width, "height": image.height}
            for number, image in enumerate(images, start=1)
        ],
        "annotations": annotations,
        "categories": [{"id": i, "name": name} for i, name in enumerate(names)],
    }


def export_dataset(images: Sequence[LabelledImage], store: ImageStore, directory: Path, description: str) -> Path:
    """Write DIRECTORY/annotations.json and DIRECTORY/images/<file_name>, all or nothing; returns the annotations path.

    A file name with folders (`sub/photo.jpg`, as an imported dataset may have) keeps them.
    DIRECTORY must be new or empty (`ExportTargetError` otherwise).
    """
    with atomic_folder(directory) as staging:
        image_dir = staging / IMAGES_FOLDER
        image_dir.mkdir()
        for image in images:
            safe_member_path(image_dir, image.file_name).write_bytes(store.read(image.sha256))
        (staging / ANNOTATIONS_FILE).write_text(json.dumps(to_coco(images, description), indent=1))
    return Path(directory) / ANNOTATIONS_FILE


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DatasetError(message)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def read_coco(annotations_path: Path, images_dir: Path, max_pixels: int) -> list[CheckedImage]:
    """Parse and check a COCO detection file and its images; raises DatasetError naming the first problem."""
    annotations_path, images_dir = Path(annotations_path), Path(images_dir)
    where = annotations_path.name
    document = read_document(annotations_path, json.loads, "JSON", (json.JSONDecodeError,))
    _require(
        isinstance(document, dict), f"{where}: the top level must be an object with images, annotations, categories"
    )
    for key in ("images", "annotations", "categories"):
        _require(isinstance(document.get(key), list), f"{where}: '{key}' must be a list")
    _require(images_dir.is_dir(), f"{images_dir}: no such folder")

    category_names: dict[int, str] = {}
    for number, category in enumerate(document["categories"]):
        _require(
            isinstance(category, dict)
            and isinstance(category.get("id"), int)
            and isinstance(category.get("name"), str),
            f"{where}: categories[{number}] needs an integer 'id' and a string 'name'",
        )
        category_names[category["id"]] = category["name"]

    declared: dict[int, dict] = {}
    for number, entry in enumerate(document["images"]):
        _require(
            isinstance(entry, dict)
            and isinstance(entry.get("id"), int)
            and isinstance(entry.get("file_name"), str)
            and entry["file_name"]
            and isinstance(entry.get("width"), int)
            and isinstance(entry.get("height"), int),
            f"{where}: images[{number}] needs an integer 'id', 'width', 'height' and a 'file_name'",
        )
        _require(entry["id"] not in declared, f"{where}: image id {entry['id']} appears twice")
        name = Path(entry["file_name"])
        _require(
            not name.is_absolute() and ".." not in name.parts,
            f"{where}: image file name {entry['file_name']!r} must be relative to the images folder",
        )
        declared[entry["id"]] = entry

    boxes: dict[int, list[tuple[tuple[float, float, float, float], int, bool]]] = {
        image_id: [] for image_id in declared
    }
    unknown: set[str] = set()
    for number, annotation in enumerate(document["annotations"]):
        label = f"annotation {annotation.get('id', number) if isinstance(annotation, dict) else number}"
        _require(isinstance(annotation, dict), f"{where}: annotations[{number}] must be an object")
        bbox = annotation.get("bbox")
        _require(
            isinstance(bbox, list) and len(bbox) == 4 and all(_number(v) for v in bbox),
            f"{where}: {label}: 'bbox' must be [x, y, width, height] numbers",
        )
        crowd = annotation.get("iscrowd", 0)
        _require(type(crowd) is int and crowd in (0, 1), f"{where}: {label}: 'iscrowd' must be 0 or 1, not {crowd!r}")
        image = declared.get(annotation.get("image_id"))
        _require(
            image is not None,
            f"{where}: {label} refers to image id {annotation.get('image_id')!r}, which is not in 'images'",
        )
        category_id = annotation.get("category_id")
        _require(
            category_id in category_names,
            f"{where}: {label} has category_id {category_id!r}, which is not in 'categories'",
        )
        class_id = coco_class_id(category_names[category_id], unknown, voc_names=False)
        if class_id is None:
            continue
        x, y, w, h = (float(v) for v in bbox)
        _require(
            w > 0 and h > 0, f"{where}: {label} on {image['file_name']} has an empty box (width {w:g}, height {h:g})"
        )
        _require(
            x >= 0 and y >= 0 and x + w <= image["width"] and y + h <= image["height"],
            f"{where}: {label} on {image['file_name']}: box [{x:g}, {y:g}, {w:g}, {h:g}] lies outside the "
            f"{image['width']}x{image['height']} image",
        )
        boxes[image["id"]].append(((x, y, x + w, y + h), class_id, crowd == 1))
    refuse_unknown_classes(unknown, where, ("category", "categories"))
    require_image_files([entry["file_name"] for entry in declared.values()], images_dir)

    checked = []
    for image_id, entry in declared.items():
        size = (entry["width"], entry["height"])
        found = check_image_file(images_dir / entry["file_name"], entry["file_name"], max_pixels, (size, where))
        for box, class_id, crowd in boxes[image_id]:
            found.add_box(box, class_id, crowd)
        checked.append(found)
    return checked


def import_dataset(*, session: Session, files: FileChanges, name: str, images: Sequence[CheckedImage]) -> Dataset:
    """Store checked images (of any format) as dataset `name` (photos already stored are reused, not copied)."""
    _require(bool(name.strip()) and len(name) <= 100, "a dataset name needs 1 to 100 characters")
    _require(name != "reviewed", "'reviewed' is the name of the reviewed uploads; choose another dataset name")
    _require(
        session.scalar(select(Dataset.id).where(Dataset.name == name)) is None,
        f"a dataset named {name!r} already exists; choose another name with --name",
    )
    dataset = Dataset(name=name)
    session.add(dataset)
    for image in images:
        stored = crud.add_image(
            session=session,
            files=files,
            data=image.data,
            width=image.width,
            height=image.height,
            file_name=image.file_name,
        )
        member = DatasetImage(dataset=dataset, image=stored, file_name=image.file_name)
        member.boxes = [
            DatasetBox(
                class_id=class_id, label=COCO_80[class_id], x1=box[0], y1=box[1], x2=box[2], y2=box[3], crowd=crowd
            )
            for box, class_id, crowd in zip(image.boxes, image.class_ids, image.crowd, strict=True)
        ]
        session.add(member)
    session.flush()
    return dataset
