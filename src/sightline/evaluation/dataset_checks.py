"""What every dataset import checks the same way, whatever its format (COCO, YOLO, VOC).

Each reader parses its own files, then hands its images and boxes to these checks, so that a bad
file is refused with the same words in every format and nothing is stored until all of it passed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..detection.categories import COCO_80
from ..detection.images import ImageError, load_image

Document = TypeVar("Document")

# How many problems of one kind an error message lists before it just counts them.
_LISTED = 5

# Pascal VOC's names of the classes COCO names differently (VOC's other 14 are COCO's names too).
_VOC_NAMES = {
    "aeroplane": "airplane",
    "diningtable": "dining table",
    "motorbike": "motorcycle",
    "pottedplant": "potted plant",
    "sofa": "couch",
    "tvmonitor": "tv",
}


class DatasetError(ValueError):
    """A dataset or its images cannot be imported; the message names the problem and where it is."""


@dataclass
class CheckedImage:
    """One image of a checked dataset: its bytes, upright size, and boxes (xyxy, COCO_80 ids, crowd flags)."""

    file_name: str
    data: bytes
    width: int
    height: int
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    class_ids: list[int] = field(default_factory=list)
    crowd: list[bool] = field(default_factory=list)

    def add_box(self, box: tuple[float, float, float, float], class_id: int, crowd: bool) -> None:
        self.boxes.append(box)
        self.class_ids.append(class_id)
        self.crowd.append(crowd)


def listing(items: Sequence[str]) -> str:
    """The first few items, comma-separated, and how many more there are."""
    shown = ", ".join(items[:_LISTED])
    return shown + (f" and {len(items) - _LISTED} more" if len(items) > _LISTED else "")


def plural(count: int, word: str, words: str | None = None) -> str:
    """`word` for one, `words` (default: word + "s") for any other count."""
    return word if count == 1 else words or f"{word}s"


def read_document(
    path: Path, parse: Callable[[str], Document], kind: str, errors: tuple[type[Exception], ...]
) -> Document:
    """The parsed text of an annotation file; its absence or a parse error (`errors`) as a DatasetError."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (UnicodeDecodeError, *errors) as error:
        raise DatasetError(f"{path.name} is not valid {kind}: {' '.join(str(error).split())}") from None


def coco_class_id(name: str, unknown: set[str], voc_names: bool = True) -> int | None:
    """The COCO_80 id of a dataset's class name (VOC's own spellings too, unless `voc_names` is False).

    A name no model knows goes into `unknown` and gives None, so that one error can list them all.
    """
    label = _VOC_NAMES.get(name, name) if voc_names else name
    if label not in COCO_80:
        unknown.add(name)
        return None
    return COCO_80.index(label)


def refuse_unknown_classes(
    unknown: Collection[str],
    where: str = "",
    words: tuple[str, str] = ("class", "classes"),
    known: str = "the 80 COCO classes",
) -> None:
    """Refuse a dataset with class names no model knows, naming them all (`words`: the format's word for one)."""
    if unknown:
        names = listing([repr(name) for name in sorted(unknown)])
        raise DatasetError(
            f"{where + ': ' if where else ''}unknown {plural(len(unknown), *words)} {names}; "
            f"Sightline's models know {known}"
        )


def require_image_files(file_names: Sequence[str], images_dir: Path) -> None:
    """Refuse a dataset whose annotations name image files `images_dir` does not hold, listing them."""
    missing = [name for name in file_names if not (images_dir / name).is_file()]
    if missing:
        raise DatasetError(
            f"{len(missing)} image {plural(len(missing), 'file')} missing from {images_dir}: {listing(missing)}"
        )


def check_image_file(
    path: Path, file_name: str, max_pixels: int, declared: tuple[tuple[int, int], str] | None = None
) -> CheckedImage:
    """The image file at `path`, read and decoded to check it, as dataset image `file_name` with no boxes yet.

    declared: the size the annotations give and the file that gives it; a photo of another size is refused.
    """
    try:
        data = path.read_bytes()
        picture = load_image(data, max_pixels)
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such image file") from None
    except ImageError as error:
        raise DatasetError(f"{path}: {error}") from None
    if declared is not None and declared[0] != picture.size:
        (width, height), where = declared
        raise DatasetError(f"{path} is {picture.width}x{picture.height} but {where} says {width}x{height}")
    return CheckedImage(file_name, data, picture.width, picture.height)
