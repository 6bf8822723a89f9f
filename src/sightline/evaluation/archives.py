"""Datasets as zip archives, for the API: unpack an uploaded one safely, write an export as one file.

An uploaded archive is checked before anything is written: at most `MAX_ENTRIES` entries and
`MAX_UNPACKED_BYTES` unpacked (counted as the bytes come out, not as the archive claims, so a zip
bomb stops at the limit), no entry name that leaves the archive's folder, no symbolic links, no
encrypted entries. Then the format's own reader checks the unpacked files as `sightline dataset
import` does, and errors name the file inside the archive, never the server's temporary folder.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import IO

from ..storage.files import ImageStore
from . import coco, formats, voc, yolo
from .dataset_checks import CheckedImage, DatasetError, listing, plural
from .datasets import LabelledImage

MAX_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 500_000_000
_CHUNK = 1 << 20
_IGNORED = ("__MACOSX/",)  # the resource forks macOS's Archive Utility adds


def read_archive(archive: IO[bytes], max_pixels: int, format: str | None = None) -> tuple[str, list[CheckedImage]]:
    """The format and the checked images of the dataset in a zip archive (format given or detected); stores nothing.

    Raises DatasetError naming the problem and the file inside the archive where it lies.
    """
    with tempfile.TemporaryDirectory(prefix="sightline-import-") as folder:
        unpacked = Path(folder) / "archive"
        unpacked.mkdir()
        try:
            _unpack(archive, unpacked)
            root = _dataset_root(unpacked)
            format = format or _detect_format(root)
            return format, _read(root, format, max_pixels)
        except DatasetError as error:
            raise DatasetError(str(error).replace(f"{unpacked}/", "").replace(str(unpacked), "the archive")) from None


def _unpack(archive: IO[bytes], folder: Path) -> None:
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise DatasetError("the file is not a zip archive") from None
    with bundle:
        entries = [entry for entry in bundle.infolist() if not entry.filename.startswith(_IGNORED)]
        if len(entries) > MAX_ENTRIES:
            raise DatasetError(f"the archive has {len(entries)} entries; at most {MAX_ENTRIES} are accepted")
        for entry in entries:
            _check_entry(entry)
        declared = sum(entry.file_size for entry in entries)
        if declared > MAX_UNPACKED_BYTES:
            raise DatasetError(_too_large(declared))
        unpacked = 0
        for entry in entries:
            target = folder.joinpath(*PurePosixPath(entry.filename).parts)
            if entry.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with bundle.open(entry) as source, target.open("wb") as output:
                    while chunk := source.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise DatasetError(_too_large(unpacked))
                        output.write(chunk)
            except (zipfile.BadZipFile, EOFError, NotImplementedError) as error:
                raise DatasetError(f"{entry.filename}: cannot be unpacked ({error})") from None


def _check_entry(entry: zipfile.ZipInfo) -> None:
    name = entry.filename
    path = PurePosixPath(name)
    if "\\" in name or path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise DatasetError(f"entry {name!r} points outside the archive's folder; refused")
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise DatasetError(f"entry {name!r} is a symbolic link; an archive may hold only files and folders")
    if entry.flag_bits & 0x1:
        raise DatasetError(f"entry {name!r} is encrypted; send an archive without a password")


def _too_large(size: int) -> str:
    return f"the archive unpacks to more than {MAX_UNPACKED_BYTES / 1e6:g} MB ({size / 1e6:g} MB or more); refused"


def _dataset_root(folder: Path) -> Path:
    """The folder holding the dataset: the archive's top level, or its only folder when it holds nothing else."""
    children = list(folder.iterdir())
    if len(children) == 1 and children[0].is_dir() and not _looks_like_dataset(folder):
        return _dataset_root(children[0])
    return folder


def _looks_like_dataset(folder: Path) -> bool:
    return any((folder / name).exists() for name in (coco.ANNOTATIONS_FILE, yolo.DATA_FILE, voc.ANNOTATIONS_FOLDER))


def _detect_format(root: Path) -> str:
    found = [
        format
        for format, name in (("coco", coco.ANNOTATIONS_FILE), ("yolo", yolo.DATA_FILE), ("voc", voc.ANNOTATIONS_FOLDER))
        if (root / name).exists()
    ]
    if len(found) != 1:
        what = f"holds {' and '.join(found)} files" if found else "has none of them"
        raise DatasetError(
            f"the archive should hold {coco.ANNOTATIONS_FILE} and {coco.IMAGES_FOLDER}/ (COCO), {yolo.DATA_FILE} "
            f"(YOLO) or {voc.ANNOTATIONS_FOLDER}/ and {voc.IMAGES_FOLDER}/ (VOC) at its top level, but it {what}"
            + ("; say which format it is" if found else "")
        )
    return found[0]


def _read(root: Path, format: str, max_pixels: int) -> list[CheckedImage]:
    if format == "coco":
        annotations = root / coco.ANNOTATIONS_FILE
        if not annotations.is_file():
            json_files = sorted(str(path.relative_to(root)) for path in root.glob("*.json"))
            if len(json_files) != 1:
                raise DatasetError(
                    f"a COCO archive needs {coco.ANNOTATIONS_FILE} at its top level"
                    + (f" (it holds {plural(len(json_files), 'file')} {listing(json_files)})" if json_files else "")
                )
            annotations = root / json_files[0]
        return coco.read_coco(annotations, root / coco.IMAGES_FOLDER, max_pixels)
    if format == "yolo":
        return yolo.read_yolo(root / yolo.DATA_FILE, max_pixels)
    return voc.read_voc(root, None, max_pixels)


def write_archive(images: Sequence[LabelledImage], store: ImageStore, format: str, description: str) -> IO[bytes]:
    """The dataset exported in FORMAT as a zip archive, in an unnamed temporary file positioned at its start.

    The export is written to a temporary folder first, all or nothing as on the command line, then
    packed file by file, so memory stays bounded whatever the dataset's size.
    """
    with tempfile.TemporaryDirectory(prefix="sightline-export-") as folder:
        exported = Path(folder) / "dataset"
        formats.export_dataset(images, store, exported, format, description)
        output = tempfile.TemporaryFile(prefix="sightline-export-", suffix=".zip")  # noqa: SIM115 - the caller sends and closes it
        try:
            with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
                for path in sorted(exported.rglob("*")):
                    if path.is_file():
                        bundle.write(path, path.relative_to(exported).as_posix())
        except BaseException:
            output.close()
            raise
    output.seek(0)
    return output
