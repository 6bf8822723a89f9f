"""/api/v1/datasets: the datasets models can be evaluated on; import one from a zip archive, export one as a zip."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from flask import current_app, send_file

from ..evaluation import archives, coco
from ..evaluation.atomic_folder import ExportTargetError
from ..evaluation.dataset_checks import DatasetError
from ..evaluation.datasets import REVIEWED, dataset_names, dataset_sizes, load_dataset
from ..storage import crud
from .detect import sent_file_name
from .errors import ApiError, not_found
from .lifecycle import current_storage
from .parsing import Blueprint
from .schemas.datasets import (
    DatasetArchiveIn,
    DatasetExportQueryIn,
    DatasetImportOut,
    DatasetImportQueryIn,
    DatasetPageOut,
)

bp = Blueprint("datasets", __name__, url_prefix="/api/v1", description="Labelled datasets: list, import, export")

_ZIP_CONTENT = {"application/zip": {"schema": {"type": "string", "format": "binary"}}}


@bp.get("/datasets")
@bp.response(200, DatasetPageOut, description="the reviewed photos first")
def list_datasets():
    """The datasets models can be evaluated on: the reviewed photos and every imported one."""
    with current_storage().sessions() as session:
        sizes = dataset_sizes(session=session)
    return {"items": [{"name": name, "images": count} for name, count in sizes.items()], "total": len(sizes)}


@bp.post("/datasets")
@bp.arguments(DatasetImportQueryIn(), location="query")
@bp.arguments(DatasetArchiveIn(), location="files", content_type="multipart/form-data")
@bp.doc(requestBody={"content": {"multipart/form-data": {"encoding": {"archive": {"contentType": "application/zip"}}}}})
@bp.response(201, DatasetImportOut, description="the dataset as stored")
@bp.errors(400, 409, 413, 422)
def import_dataset(params: dict, upload: dict):
    """Store a COCO, YOLO or VOC dataset sent as a zip archive (multipart field `archive`).

    Everything is checked before anything is stored: a bad archive stores nothing, and the error
    names the problem and the file (and line) inside the archive. The archive may be at most the
    request body limit; it may unpack to at most 500 MB in at most 10,000 entries, with no entry
    leaving its folder and no symbolic link.
    """
    archive = upload.get("archive")
    if archive is None:
        raise ApiError(400, "missing_archive", "no dataset: send the zip archive in the multipart field 'archive'")
    name = params.get("name") or PurePosixPath(sent_file_name(archive) or "").stem
    if not name:
        raise ApiError(400, "missing_name", "name the dataset: the archive has no file name to take it from")
    storage = current_storage()
    with storage.sessions() as session:
        _refuse_taken(name, dataset_names(session=session))
    max_pixels = current_app.extensions["sightline.settings"].max_pixels
    try:
        format, images = archives.read_archive(archive.stream, max_pixels, params.get("format"))
        if not images:
            raise DatasetError("the dataset holds no images")
        with storage.writing() as (session, files):
            _refuse_taken(name, dataset_names(session=session))
            coco.import_dataset(session=session, files=files, name=name, images=images)
    except DatasetError as error:
        raise ApiError(422, "invalid_dataset", str(error)) from None
    return {
        "name": name,
        "format": format,
        "images": len(images),
        "boxes": sum(len(image.boxes) for image in images),
        "crowd_regions": sum(sum(image.crowd) for image in images),
    }


def _refuse_taken(name: str, taken: list[str]) -> None:
    if name == REVIEWED:
        raise ApiError(409, "dataset_exists", "'reviewed' is the name of the reviewed photos; choose another name")
    if name in taken:
        raise ApiError(409, "dataset_exists", f"a dataset named {name!r} already exists; choose another name")


@bp.get("/datasets/<path:name>/archive")
@bp.arguments(DatasetExportQueryIn(), location="query")
@bp.doc(responses={"200": {"description": "the dataset and its photos as a zip archive", "content": _ZIP_CONTENT}})
@bp.errors(404, 422)
def export_dataset(query: dict, name: str):
    """Download a dataset ("reviewed": the reviewed photos' ground truth) as a zip in COCO, YOLO or VOC format.

    The archive holds what `sightline dataset export` writes, and imports back as it is.
    """
    storage = current_storage()
    with storage.sessions() as session:
        try:
            images = load_dataset(session=session, name=name)
        except crud.NotFoundError as error:
            raise not_found(error) from None
    if not images:
        raise ApiError(422, "empty_dataset", f"dataset {name!r} has no images; mark stored photos reviewed first")
    try:
        archive = archives.write_archive(images, storage.images, query["format"], f"Sightline dataset {name}")
    except ExportTargetError as error:
        raise ApiError(422, "unexportable_dataset", str(error)) from None
    download = re.sub(r"[^\w.-]+", "-", name).strip("-") or "dataset"
    return send_file(
        archive, mimetype="application/zip", as_attachment=True, download_name=f"{download}-{query['format']}.zip"
    )
