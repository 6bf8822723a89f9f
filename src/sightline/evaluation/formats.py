"""The dataset file formats Sightline reads and writes: COCO JSON, Ultralytics YOLO and Pascal VOC."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..storage.files import ImageStore
from . import coco, voc, yolo
from .dataset_checks import CheckedImage, DatasetError
from .datasets import LabelledImage

FORMATS = ("coco", "yolo", "voc")


def guess_format(source: Path) -> str:
    """The format of SOURCE: a .json file is COCO, a .yaml file (or a folder with data.yaml) YOLO,
    a folder of XML files (or with Annotations/) VOC."""
    source = Path(source)
    if source.suffix.lower() == ".json":
        return "coco"
    if source.suffix.lower() in (".yaml", ".yml") or (source / yolo.DATA_FILE).is_file():
        return "yolo"
    if source.is_dir():
        return "voc"
    raise DatasetError(f"{source}: not a COCO .json file, a YOLO data.yaml or a VOC folder; say which with --format")


def read_dataset(
    source: Path, images_dir: Path | None, max_pixels: int, format: str | None = None
) -> list[CheckedImage]:
    """Parse and check a dataset in any of FORMATS (guessed from SOURCE when not given); stores nothing."""
    format = format or guess_format(source)
    if format == "coco":
        if images_dir is None:
            raise DatasetError("a COCO import needs the folder of its images after the annotations file")
        return coco.read_coco(source, images_dir, max_pixels)
    if format == "yolo":
        if images_dir is not None:
            raise DatasetError("a YOLO dataset names its image folders in data.yaml; give only data.yaml")
        return yolo.read_yolo(source, max_pixels)
    return voc.read_voc(source, images_dir, max_pixels)


def export_dataset(
    images: Sequence[LabelledImage], store: ImageStore, directory: Path, format: str, description: str
) -> Path:
    """Write `images` to DIRECTORY in FORMAT, all or nothing; returns the file or folder to import it back from."""
    if format == "yolo":
        return yolo.export_yolo(images, store, directory)
    if format == "voc":
        return voc.export_voc(images, store, directory)
    return coco.export_dataset(images, store, directory, description)
