"""Pascal VOC datasets: one XML file per image under `Annotations/`, the images under `JPEGImages/`.

Each `<object>` has a `<name>` and a `<bndbox>` of `xmin, ymin, xmax, ymax`: VOC numbers pixels from 1 and
names the first and last pixel covered, so a box from x1 to x2 (in Sightline's pixel coordinates, from 0)
is `xmin = x1 + 1`, `xmax = x2`; import takes 1 off `xmin` and `ymin` (a 0 is read as 0). VOC's own class
names that COCO spells differently (aeroplane, motorbike, sofa, tvmonitor, ...) are read as COCO's.
VOC's `<difficult>1</difficult>` marks an object evaluation ignores, as COCO does a crowd region: import
reads it as one and export writes crowd regions that way. Import checks everything before anything
is stored, like COCO import.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from pathlib import Path

from ..storage.files import ImageStore
from .atomic_folder import atomic_folder, safe_member_path
from .dataset_checks import (
    CheckedImage,
    DatasetError,
    check_image_file,
    coco_class_id,
    refuse_unknown_classes,
    require_image_files,
)
from .datasets import LabelledImage

ANNOTATIONS_FOLDER = "Annotations"
IMAGES_FOLDER = "JPEGImages"


def export_voc(images: Sequence[LabelledImage], store: ImageStore, directory: Path) -> Path:
    """Write DIRECTORY/Annotations/<name>.xml and DIRECTORY/JPEGImages/<file_name>, all or nothing.

    Returns the Annotations folder.
    """
    with atomic_folder(directory) as staging:
        for image in images:
            safe_member_path(staging / IMAGES_FOLDER, image.file_name).write_bytes(store.read(image.sha256))
            target = safe_member_path(staging / ANNOTATIONS_FOLDER, str(Path(image.file_name).with_suffix(".xml")))
            ElementTree.ElementTree(_annotation(image)).write(target, encoding="utf-8", xml_declaration=True)
    return Path(directory) / ANNOTATIONS_FOLDER


def _annotation(image: LabelledImage) -> ElementTree.Element:
    root = ElementTree.Element("annotation")
    ElementTree.SubElement(root, "folder").text = IMAGES_FOLDER
    ElementTree.SubElement(root, "filename").text = image.file_name
    size = ElementTree.SubElement(root, "size")
    for tag, value in (("width", image.width), ("height", image.height), ("depth", 3)):
        ElementTree.SubElement(size, tag).text = str(value)
    for box, label, crowd in zip(image.truth.boxes.tolist(), image.truth.labels, image.crowd, strict=True):
        item = ElementTree.SubElement(root, "object")
        ElementTree.SubElement(item, "name").text = label
        ElementTree.SubElement(item, "difficult").text = "1" if crowd else "0"
        bndbox = ElementTree.SubElement(item, "bndbox")
        x1, y1, x2, y2 = box
        for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), (x1 + 1, y1 + 1, x2, y2), strict=True):
            ElementTree.SubElement(bndbox, tag).text = f"{value:.2f}".rstrip("0").rstrip(".")
    ElementTree.indent(root)
    return root


def read_voc(source: Path, images_dir: Path | None, max_pixels: int) -> list[CheckedImage]:
    """Parse and check a VOC folder (Annotations/ and JPEGImages/) or a folder of XML files and the images'
    folder; raises DatasetError naming the first problem."""
    source = Path(source)
    if not source.is_dir():
        raise DatasetError(f"{source}: no such folder (give the VOC folder, with {ANNOTATIONS_FOLDER}/ inside)")
    annotations_dir = source / ANNOTATIONS_FOLDER if (source / ANNOTATIONS_FOLDER).is_dir() else source
    images_dir = Path(images_dir) if images_dir else source / IMAGES_FOLDER
    if not images_dir.is_dir():
        raise DatasetError(f"{images_dir}: no such folder of images")
    files = sorted(annotations_dir.rglob("*.xml"))
    if not files:
        raise DatasetError(f"{annotations_dir}: no .xml annotation files")

    parsed = [(path, _parse(path, annotations_dir)) for path in files]
    require_image_files([name for _, (name, _, _) in parsed], images_dir)
    checked, unknown = [], set()
    for path, (name, size, objects) in parsed:
        where = str(path.relative_to(annotations_dir))
        found = check_image_file(images_dir / name, name, max_pixels, (size, where) if size else None)
        for number, (label, (xmin, ymin, xmax, ymax), difficult) in enumerate(objects, start=1):
            box = (max(xmin - 1, 0.0), max(ymin - 1, 0.0), xmax, ymax)
            if not (xmin >= 0 and ymin >= 0 and box[0] < xmax <= found.width and box[1] < ymax <= found.height):
                raise DatasetError(
                    f"{where}: object {number} ({label}): box ({xmin:g}, {ymin:g}) - ({xmax:g}, {ymax:g}) is empty or "
                    f"lies outside the {found.width}x{found.height} image (VOC numbers pixels from 1)"
                )
            class_id = coco_class_id(label, unknown)
            if class_id is not None:
                found.add_box(box, class_id, difficult)
        checked.append(found)
    refuse_unknown_classes(unknown, known="the 80 COCO classes (and VOC's 20 names)")
    return checked


def _parse(path: Path, annotations_dir: Path):
    """(image file name, (width, height) or None, [(label, box, difficult)]) of one VOC XML file."""
    where = str(path.relative_to(annotations_dir))
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise DatasetError(f"{where} is not valid XML: {error}") from None
    if root.tag != "annotation":
        raise DatasetError(f"{where}: the root element must be <annotation>, not <{root.tag}>")
    name = (root.findtext("filename") or "").strip()
    if not name:
        raise DatasetError(f"{where}: <filename> is missing")
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise DatasetError(f"{where}: <filename> {name!r} must be relative to the images folder")
    size = None
    if root.find("size") is not None:
        width, height = _number(root, "size/width", where), _number(root, "size/height", where)
        size = (int(width), int(height))
    objects = []
    for number, item in enumerate(root.iter("object"), start=1):
        label = (item.findtext("name") or "").strip()
        if not label:
            raise DatasetError(f"{where}: object {number} has no <name>")
        box = tuple(
            _number(item, f"bndbox/{tag}", f"{where}: object {number}") for tag in ("xmin", "ymin", "xmax", "ymax")
        )
        difficult = (item.findtext("difficult") or "0").strip()
        if difficult not in ("0", "1"):
            raise DatasetError(f"{where}: object {number}: <difficult> must be 0 or 1, not {difficult!r}")
        objects.append((label, box, difficult == "1"))
    return name, size, objects


def _number(element: ElementTree.Element, tag: str, where: str) -> float:
    text = element.findtext(tag)
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise DatasetError(f"{where}: <{tag}> must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise DatasetError(f"{where}: <{tag}> must be a number, not {text!r}")
    return value
