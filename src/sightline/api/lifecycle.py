"""The stored-data side of the service: storage, the evaluation worker, and storing predictions.

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
from ..storage.models import StoredImage
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


def options_json(options: DetectOptions) -> dict:
    """The parameters a prediction is stored with (`PredictionOut.parameters`)."""
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
