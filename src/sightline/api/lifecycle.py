"""The stored-data side of the service: storage, the evaluation worker and the JSON shapes of stored records.

`init_app` opens the database (creating or upgrading its schema), repairs what a crash left
half-done, starts the evaluation worker and restores the default model an admin chose.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, current_app

from ..config import Settings
from ..detection.categories import COCO_80
from ..detection.images import Photo
from ..detection.options import DetectOptions
from ..detection.registry import ModelSpec, UnknownModelError
from ..evaluation.runs import EvaluationWorker
from ..storage import crud
from ..storage.models import Detection, Feedback, MissedObject, Prediction, StoredImage
from ..storage.service import Storage
from .engine import Engine, current_engine
from .inference import Detected

log = logging.getLogger("sightline.api")

_MIME_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
}


def init_app(app: Flask, settings: Settings, engine: Engine) -> None:
    storage = Storage.open(settings.database_url, settings.images_dir, settings.images_url)
    app.extensions["sightline.storage"] = storage
    app.extensions["sightline.evaluations"] = EvaluationWorker(storage, engine.registry, settings.max_pixels)
    with storage.sessions() as session:
        chosen = crud.get_setting(session=session, key=crud.DEFAULT_MODEL_KEY)
        for spec in engine.registry.specs:
            threshold = crud.get_setting(session=session, key=crud.SCORE_THRESHOLD_KEY_PREFIX + spec.name)
            if threshold is not None:
                engine.score_thresholds.set(spec.name, float(threshold))
    if chosen and chosen != engine.default_model:
        try:
            engine.set_default_model(chosen)
        except UnknownModelError:
            log.warning(
                "the default model chosen earlier, %r, is no longer registered; using %r", chosen, engine.default_model
            )


def current_storage() -> Storage:
    return current_app.extensions["sightline.storage"]


def max_pixels() -> int:
    return current_app.extensions["sightline.settings"].max_pixels


def current_worker() -> EvaluationWorker:
    return current_app.extensions["sightline.evaluations"]


def categories_of(model_name: str | None) -> Sequence[str]:
    """The classes a label must come from: the model's, or COCO's when that model is no longer registered."""
    if model_name is None:
        return COCO_80
    try:
        return current_engine().registry.spec(model_name).categories
    except UnknownModelError:
        return COCO_80


def mime_type(image: StoredImage) -> str:
    return _MIME_TYPES.get(image.format, "application/octet-stream")


def _box(row) -> dict:
    return {"x1": row.x1, "y1": row.y1, "x2": row.x2, "y2": row.y2}


def feedback_json(feedback: Feedback | None) -> dict | None:
    if feedback is None:
        return None
    box = feedback.corrected_box
    return {
        "verdict": feedback.verdict.value,
        "label": feedback.corrected_label,
        "box": dict(zip(("x1", "y1", "x2", "y2"), box, strict=True)) if box else None,
        "updated_at": feedback.updated_at.isoformat(),
    }


def detection_json(detection: Detection) -> dict:
    return {
        "id": detection.id,
        "label": detection.label,
        "class_id": detection.class_id,
        "score": round(detection.score, 4),
        "box": _box(detection),
        "feedback": feedback_json(detection.feedback),
    }


def prediction_json(prediction: Prediction, with_detections: bool = True) -> dict:
    record = {
        "id": prediction.id,
        "model": {"name": prediction.model_name, "version": prediction.model_version},
        "parameters": prediction.parameters,
        "duration_ms": round(prediction.duration_ms, 2),
        "created_at": prediction.created_at.isoformat(),
    }
    if with_detections:
        record["detections"] = [detection_json(d) for d in prediction.detections]
    return record


def missed_json(missed: MissedObject) -> dict:
    return {"id": missed.id, "label": missed.label, "class_id": missed.class_id, "box": _box(missed)}


def image_json(image: StoredImage, full: bool = True) -> dict:
    """An image's record; `full` adds its predictions with detections and feedback, and its missed objects."""
    record = {
        "id": image.id,
        "sha256": image.sha256,
        "width": image.width,
        "height": image.height,
        "format": image.format,
        "byte_size": image.byte_size,
        "uploaded_at": image.uploaded_at.isoformat(),
        "review_state": image.review_state.value,
        "reviewed_at": image.reviewed_at.isoformat() if image.reviewed_at else None,
        "review_score_threshold": image.review_score_threshold,
        "file_url": f"/api/v1/images/{image.id}/file",
    }
    if full:
        record["predictions"] = [prediction_json(p) for p in image.predictions]
        record["missed_objects"] = [missed_json(m) for m in image.missed_objects]
    else:
        record["models"] = sorted({p.model_name for p in image.predictions})
    return record


def options_json(options: DetectOptions) -> dict:
    return {
        "score_threshold": options.score_threshold,
        "iou_threshold": options.iou_threshold,
        "classes": sorted(options.class_ids) if options.class_ids is not None else None,
        "max_detections": options.max_detections,
        "agnostic_nms": options.agnostic_nms,
        "tta_flip": options.tta_flip,
    }


def store_predictions(
    spec: ModelSpec, options: DetectOptions, uploads: Sequence[tuple[bytes, Photo, Detected]]
) -> list[dict]:
    """Keep uploaded photos (once per content) and this model's prediction on each, in one transaction.

    uploads: (the file's bytes, the decoded photo (original size), what the model found) per photo.
    Returns {"image_id", "prediction_id"} per photo, in order.
    """
    stored = []
    with current_storage().writing() as (session, files):
        for data, image, found in uploads:
            row = crud.add_image(session=session, files=files, data=data, width=image.width, height=image.height)
            prediction = crud.add_prediction(
                session=session,
                image=row,
                model_name=spec.name,
                model_version=spec.version,
                parameters=options_json(options),
                detections=found.detections,
                duration_ms=found.inference_ms,
            )
            stored.append({"image_id": row.id, "prediction_id": prediction.id})
    return stored
