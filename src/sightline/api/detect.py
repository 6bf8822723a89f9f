"""POST /api/v1/detect and /api/v1/detect/batch: photos in, labelled boxes out."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from flask import current_app, g, request

from ..detection.images import ImageError, Photo, load_photo
from ..detection.options import DetectOptions, OptionError, parse_classes
from ..detection.registry import ModelSpec, UnknownModelError
from .engine import current_engine
from .errors import ApiError
from .inference import Detected
from .lifecycle import store_predictions
from .memory import declared_pixels, pixel_budget
from .parsing import Blueprint
from .schemas.detect import DetectBatchOut, DetectOut, DetectQueryIn, ImagesUploadIn, ImageUploadIn

bp = Blueprint("detect", __name__, url_prefix="/api/v1", description="Find objects in photos")

_RAW_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp", "image/gif", "image/tiff")
_RAW_BODY_DOC = {
    "requestBody": {
        "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in _RAW_IMAGE_TYPES},
    }
}


@bp.post("/detect")
@bp.arguments(DetectQueryIn(), location="query")
@bp.arguments(ImageUploadIn(), location="files", content_type="multipart/form-data")
@bp.doc(**_RAW_BODY_DOC)
@bp.response(200, DetectOut, description="the objects found")
@bp.errors(413, 415, 422, 503)
def detect(params: dict, upload: dict):
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
        data = _file_bytes(upload.get("image"))
    elif request.mimetype.startswith("image/"):
        data = request.get_data(cache=False)
        if not data:
            raise ApiError(400, "missing_image", "the request body is empty; it should be the photo")
    else:
        raise _not_an_upload()
    return _detect_all(spec, options, [data], _wants_storing(params))[0]


@bp.post("/detect/batch")
@bp.arguments(DetectQueryIn(), location="query")
@bp.arguments(ImagesUploadIn(), location="files", content_type="multipart/form-data")
@bp.response(200, DetectBatchOut, description="one result per photo, in order")
@bp.errors(413, 415, 422, 503)
def detect_batch(params: dict, upload: dict):
    """Find objects in several photos: one multipart field `image` per photo.

    The photos share the parameters. If any photo cannot be used the whole request fails, and the
    message names the photo by its position (1 = first).
    """
    spec, options = _model_and_options(params)
    if request.mimetype != "multipart/form-data":
        raise _not_an_upload()
    if not upload["image"]:
        raise ApiError(400, "missing_image", "no photos: send each in a multipart field 'image'")
    limit = current_app.extensions["sightline.settings"].max_batch_images
    if len(upload["image"]) > limit:
        raise ApiError(400, "too_many_images", f"{len(upload['image'])} photos; at most {limit} per request")
    data = [_file_bytes(file, position) for position, file in enumerate(upload["image"], start=1)]
    return {"results": _detect_all(spec, options, data, _wants_storing(params))}


def _model_and_options(params: dict) -> tuple[ModelSpec, DetectOptions]:
    engine = current_engine()
    try:
        spec = _model_spec(engine.registry, params.get("model") or engine.default_model)
    except UnknownModelError as error:
        raise ApiError(400, "unknown_model", str(error)) from None
    g.model = spec.name
    try:
        class_ids = parse_classes(params.get("classes"), spec.categories)
    except OptionError as error:
        raise ApiError(400, "unknown_class", str(error)) from None
    threshold = params.get("score_threshold")
    if threshold is None:
        threshold = engine.score_thresholds.get(spec.name)
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


def _model_spec(registry, name: str) -> ModelSpec:
    try:
        return registry.spec(name)
    except UnknownModelError:
        # `?model=nanodet+centernet` typed into a query string arrives as "nanodet centernet" ('+'
        # means a space there): when no model has that name, take the '+' that was meant.
        if " " not in name:
            raise
        return registry.spec(name.replace(" ", "+"))


def _not_an_upload() -> ApiError:
    kind = request.mimetype or "no content type"
    return ApiError(
        415,
        "unsupported_media_type",
        f"the request is {kind}; send the photo as multipart/form-data field 'image' or as an image/* body",
    )


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


def _wants_storing(params: dict) -> bool:
    store = params.get("store")
    return current_app.extensions["sightline.settings"].store_images if store is None else store


def _detect_all(spec: ModelSpec, options: DetectOptions, uploads: list[bytes], store: bool = False) -> list[dict]:
    max_pixels = current_app.extensions["sightline.settings"].max_pixels
    budget = pixel_budget()
    engine = current_engine()
    images: list[Photo] = []
    found: list[Detected] = []
    decode_ms: list[float] = []
    with engine.busy():
        # Photos are decoded only as large as the model needs; sizes and boxes stay the original's.
        decode_size = engine.detector.decode_size(spec.name)
        # A batch goes through in groups whose declared pixels fit the worker's budget together.
        for group in _groups(uploads, budget.limit):
            with budget.hold(sum(pixels for _, _, pixels in group)):
                decoded = []
                for position, data, _ in group:
                    started = time.perf_counter()
                    try:
                        decoded.append(load_photo(data, max_pixels, decode_size))
                    except ImageError as error:
                        if len(uploads) == 1:
                            raise
                        raise ImageError(error.reason, f"photo {position}: {error}") from error
                    decode_ms.append((time.perf_counter() - started) * 1000)
                found += engine.detector.detect(spec.name, decoded, options)
                images += decoded
    g.detection_count = sum(len(result.detections) for result in found)
    stored = store_predictions(spec, options, list(zip(uploads, images, found, strict=True))) if store else None
    total_ms = (time.perf_counter() - g.started) * 1000
    results = [
        _result(spec, image, result, decode, total_ms)
        for image, result, decode in zip(images, found, decode_ms, strict=True)
    ]
    if stored:
        for result, ids in zip(results, stored, strict=True):
            result["stored"] = ids
    return results


def _groups(uploads: list[bytes], pixel_limit: int) -> Iterator[list[tuple[int, bytes, int]]]:
    """Consecutive (position, data, declared pixels) runs whose pixels fit `pixel_limit` together."""
    group: list[tuple[int, bytes, int]] = []
    for position, data in enumerate(uploads, start=1):
        pixels = declared_pixels(data)
        if group and sum(held for _, _, held in group) + pixels > pixel_limit:
            yield group
            group = []
        group.append((position, data, pixels))
    if group:
        yield group


def _result(spec: ModelSpec, image: Photo, found: Detected, decode_ms: float, total_ms: float) -> dict:
    """One photo's result, as `DetectOut` sends it."""
    return {
        "id": uuid.uuid4().hex,
        "model": spec,
        "image": image,
        "detections": found.detections,
        "timing_ms": {"decode": decode_ms, "inference": found.inference_ms, "total": total_ms},
    }
