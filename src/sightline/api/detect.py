"""POST /api/v1/detect and /api/v1/detect/batch: photos in, labelled boxes out."""

from __future__ import annotations

import re
import time
import uuid

from flask import current_app, g, request

from ..detection.options import DetectOptions, OptionError, parse_classes
from ..detection.registry import ModelSpec, UnknownModelError
from ..service import DetectionResult, DetectionService, current_service
from .errors import ApiError
from .parsing import Blueprint, not_an_upload
from .schemas.detect import (
    IMAGE_TYPES,
    MULTIPART_ENCODING,
    DetectBatchOut,
    DetectOut,
    DetectQueryIn,
    ImagesUploadIn,
    ImageUploadIn,
)

bp = Blueprint("detect", __name__, url_prefix="/api/v1", description="Find objects in photos")

# The photo comes as the multipart field `image` or as the whole body: the view reads either, so the
# body is documented here rather than parsed by a schema that would demand the multipart field.
_PHOTO_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": ImageUploadIn, **MULTIPART_ENCODING["multipart/form-data"]},
            **{kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_TYPES},
        },
    }
}


@bp.post("/detect")
@bp.arguments(DetectQueryIn(), location="query")
@bp.doc(**_PHOTO_BODY_DOC)
@bp.response(200, DetectOut, description="the objects found")
@bp.errors(413, 415, 422, 503)
def detect(params: dict):
    """Find objects in one photo.

    Send the photo as the multipart field `image` (parameters may then also be form fields), or as
    the raw request body with its image content type (parameters in the query string). Boxes are
    in the photo's own pixels, after its EXIF orientation is applied. Uploads use POST: a browser
    cannot send a body with GET.
    """
    spec, options = _model_and_options(params)
    if request.mimetype == "multipart/form-data":
        files = request.files.getlist("image")
        if len(files) > 1:
            raise ApiError(400, "too_many_images", "one photo per request here; send several to /api/v1/detect/batch")
        data = _file_bytes(request.files.get("image"))
        file_name = sent_file_name(request.files.get("image"))
    elif request.mimetype.startswith("image/"):
        data = request.get_data(cache=False)
        file_name = None
        if not data:
            raise ApiError(400, "missing_image", "the request body is empty; it should be the photo")
    else:
        raise not_an_upload()
    return _detect_all(spec, options, [data], _wants_storing(params), [file_name])[0]


@bp.post("/detect/batch")
@bp.arguments(DetectQueryIn(), location="query")
@bp.arguments(ImagesUploadIn(), location="files", content_type="multipart/form-data")
@bp.doc(requestBody={"content": MULTIPART_ENCODING})
@bp.response(200, DetectBatchOut, description="one result per photo, in order")
@bp.errors(413, 415, 422, 503)
def detect_batch(params: dict, upload: dict):
    """Find objects in several photos: one multipart field `image` per photo.

    The photos share the parameters. If any photo cannot be used the whole request fails, and the
    message names the photo by its position (1 = first).
    """
    spec, options = _model_and_options(params)
    if request.mimetype != "multipart/form-data":
        raise not_an_upload()
    if not upload["image"]:
        raise ApiError(400, "missing_image", "no photos: send each in a multipart field 'image'")
    limit = current_app.extensions["sightline.settings"].max_batch_images
    if len(upload["image"]) > limit:
        raise ApiError(400, "too_many_images", f"{len(upload['image'])} photos; at most {limit} per request")
    data = [_file_bytes(file, position) for position, file in enumerate(upload["image"], start=1)]
    file_names = [sent_file_name(file) for file in upload["image"]]
    return {"results": _detect_all(spec, options, data, _wants_storing(params), file_names)}


def _model_and_options(params: dict) -> tuple[ModelSpec, DetectOptions]:
    service = current_service()
    try:
        spec = _model_spec(service, params.get("model") or service.default_model)
    except UnknownModelError as error:
        raise ApiError(400, "unknown_model", str(error)) from None
    g.model = spec.name
    try:
        class_ids = parse_classes(params.get("classes"), spec.categories)
    except OptionError as error:
        raise ApiError(400, "unknown_class", str(error)) from None
    threshold = params.get("score_threshold")
    if threshold is None:
        threshold = service.score_threshold(spec.name)
    if threshold is None:
        threshold = DetectOptions.score_threshold
    options = DetectOptions(
        score_threshold=threshold,
        iou_threshold=params["iou_threshold"],
        class_ids=class_ids,
        max_detections=params["max_detections"],
        agnostic_nms=params["agnostic_nms"],
        tta_flip=params["tta_flip"],
    )
    return spec, options


def _model_spec(service: DetectionService, name: str) -> ModelSpec:
    try:
        return service.spec(name)
    except UnknownModelError:
        # `?model=nanodet+centernet` typed into a query string arrives as "nanodet centernet" ('+'
        # means a space there): when no model has that name, take the '+' that was meant.
        if " " not in name:
            raise
        return service.spec(name.replace(" ", "+"))


def _file_bytes(file, position: int | None = None) -> bytes:
    where = f"photo {position}" if position else "the photo"
    if file is None:
        raise ApiError(400, "missing_image", "no photo: send it in the multipart field 'image'")
    kind = file.mimetype
    if kind and not kind.startswith("image/") and kind != "application/octet-stream":
        raise ApiError(415, "unsupported_media_type", f"{where} is {kind}, not an image")
    data = file.read()
    if not data:
        raise ApiError(400, "missing_image", f"{where} is empty")
    return data


def sent_file_name(file) -> str | None:
    """The upload's file name without the folders some clients send along (`photos/a.jpg`), if any."""
    name = re.split(r"[/\\]", file.filename or "")[-1] if file is not None else ""
    name = "".join(character for character in name if character.isprintable()).strip()
    return name or None


def _wants_storing(params: dict) -> bool:
    store = params.get("store")
    return current_app.extensions["sightline.settings"].store_images if store is None else store


def _detect_all(
    spec: ModelSpec, options: DetectOptions, uploads: list[bytes], store: bool, file_names: list[str | None]
) -> list[dict]:
    found = current_service().detect(spec, uploads, options, store, file_names)
    g.detection_count = sum(len(result.detections) for result in found)
    total_ms = (time.perf_counter() - g.started) * 1000
    return [_result(spec, result, total_ms) for result in found]


def _result(spec: ModelSpec, found: DetectionResult, total_ms: float) -> dict:
    """One photo's result, as `DetectOut` sends it."""
    record = {
        "id": uuid.uuid4().hex,
        "model": spec,
        "image": found.photo,
        "detections": found.detections,
        "timing_ms": {"decode": found.decode_ms, "inference": found.inference_ms, "total": total_ms},
    }
    if found.stored:
        record["stored"] = found.stored
    return record
