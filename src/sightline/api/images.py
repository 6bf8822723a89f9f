"""/api/v1/images: stored photos with their predictions and feedback; upload, review, re-run, delete."""

from __future__ import annotations

from flask import Response, g, request

from ..detection.options import DetectOptions
from ..detection.registry import UnknownModelError
from ..service import current_service
from ..storage import crud
from ..storage.files import ImageNotFoundError
from .auth import admin_required
from .detect import _file_bytes, _model_and_options, sent_file_name
from .errors import ApiError
from .lifecycle import current_storage, mime_type
from .parsing import Blueprint
from .schemas.detect import IMAGE_TYPES, MULTIPART_ENCODING, DetectQueryIn, ImageUploadIn
from .schemas.images import ImageListQueryIn, ImageOut, ImagePageOut, PredictionOut, RerunIn, ReviewIn

_FILE_CONTENT = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_TYPES}

bp = Blueprint("images", __name__, url_prefix="/api/v1", description="Stored photos, their predictions and feedback")


@bp.get("/images")
@bp.arguments(ImageListQueryIn(), location="query")
@bp.response(200, ImagePageOut, description="a page of stored photos")
@bp.errors(404)
def list_images(query: dict):
    """Stored photos, newest first, a page at a time; filter by source or dataset, review state, label or model."""
    with current_storage().sessions() as session:
        return crud.list_images(session=session, **query)


@bp.post("/images")
@bp.arguments(DetectQueryIn(), location="query")
@bp.arguments(ImageUploadIn(), location="files", content_type="multipart/form-data")
@bp.doc(requestBody={"content": MULTIPART_ENCODING})
@bp.response(201, ImageOut, description="the stored photo with its prediction")
@bp.errors(413, 415, 422, 503)
def upload_image(params: dict, upload: dict):
    """Detect objects in a photo and store both (multipart field `image`); 201 with the stored record."""
    spec, options = _model_and_options(params)
    data = _file_bytes(upload.get("image"))
    [found] = current_service().detect(
        spec, [data], options, store=True, file_names=[sent_file_name(upload.get("image"))]
    )
    g.detection_count = len(found.detections)
    image_id = found.stored["image_id"]
    with current_storage().sessions() as session:
        image = crud.get_image(session=session, image_id=image_id)
    return image, {"Location": f"/api/v1/images/{image_id}"}


@bp.get("/images/<int:image_id>")
@bp.response(200, ImageOut, description="the photo's record")
@bp.errors(404)
def get_image(image_id: int):
    """One stored photo with every prediction, each detection's feedback, and the objects users added."""
    with current_storage().sessions() as session:
        return crud.get_image(session=session, image_id=image_id)


@bp.get("/images/<int:image_id>/file")
@bp.doc(responses={"200": {"description": "the photo as uploaded", "content": _FILE_CONTENT}})
@bp.alt_response(304, description="unchanged since the ETag sent in If-None-Match")
@bp.errors(404)
def get_image_file(image_id: int):
    """The stored photo's bytes, exactly as uploaded."""
    storage = current_storage()
    with storage.sessions() as session:
        image = crud.get_image(session=session, image_id=image_id)
    if request.if_none_match.contains(image.sha256):
        return Response(status=304)
    try:
        data = storage.images.read(image.sha256)
    except ImageNotFoundError:
        raise ApiError(
            404, "image_file_missing", f"the file of image {image_id} is missing from the image store"
        ) from None
    response = Response(data, mimetype=mime_type(image))
    response.set_etag(image.sha256)
    # The content never changes under its id: its name is its hash.
    response.cache_control.max_age = 31536000
    response.cache_control.immutable = True
    return response


@bp.put("/images/<int:image_id>/review")
@bp.arguments(ReviewIn())
@bp.response(200, ImageOut, description="the photo's record")
@bp.errors(404)
def set_review(body: dict, image_id: int):
    """Mark the photo reviewed (its confirmed boxes become ground truth) or unreviewed again."""
    with current_storage().writing() as (session, _):
        image = crud.get_image(session=session, image_id=image_id)
        crud.set_review_state(session=session, image=image, reviewed=body["reviewed"])
    with current_storage().sessions() as session:
        return crud.get_image(session=session, image_id=image_id)


@bp.delete("/images/<int:image_id>")
@bp.doc(security=[{"AdminKey": []}])
@bp.alt_response(204, success=True, description="deleted")
@bp.errors(403, 404)
@admin_required
def delete_image(image_id: int):
    """Delete the photo, its file, predictions, feedback and dataset memberships (admin key needed)."""
    with current_storage().writing() as (session, files):
        image = crud.get_image(session=session, image_id=image_id)
        crud.delete_image(session=session, files=files, image=image)
    return Response(status=204)


@bp.post("/images/<int:image_id>/predictions")
@bp.arguments(RerunIn())
@bp.response(201, PredictionOut, description="the new prediction")
@bp.errors(404, 422, 503)
def rerun(body: dict, image_id: int):
    """Run another model (or other parameters) on a stored photo; the new prediction is stored beside the others."""
    storage = current_storage()
    service = current_service()
    try:
        spec = service.spec(body["model"])
    except UnknownModelError as error:
        raise ApiError(400, "unknown_model", str(error)) from None
    g.model = spec.name
    try:
        options = DetectOptions(
            score_threshold=body["score_threshold"],
            iou_threshold=body["iou_threshold"],
            max_detections=body["max_detections"],
            agnostic_nms=body["agnostic_nms"],
            tta_flip=body["tta_flip"],
        )
    except ValueError as error:
        raise ApiError(400, "bad_parameter", str(error)) from None
    with storage.sessions() as session:
        image = crud.get_image(session=session, image_id=image_id)
    data = storage.images.read(image.sha256)
    [found] = service.detect(spec, [data], options, store=True)
    g.detection_count = len(found.detections)
    prediction_id = found.stored["prediction_id"]
    with storage.sessions() as session:
        image = crud.get_image(session=session, image_id=image_id)
        return next(p for p in image.predictions if p.id == prediction_id)
