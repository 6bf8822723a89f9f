"""The stored-data side of the API: storage and the evaluation worker.

`init_app` attaches the storage (opened, its schema created or upgraded, what a crash left half-done
repaired) and starts the evaluation worker, which detects through the detection service.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, current_app

from ..detection.categories import COCO_80
from ..detection.registry import UnknownModelError
from ..evaluation.runs import EvaluationWorker
from ..service import DetectionService, current_service
from ..storage.models import StoredImage
from ..storage.service import Storage

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


def init_app(app: Flask, storage: Storage, service: DetectionService) -> None:
    app.extensions["sightline.storage"] = storage
    app.extensions["sightline.evaluations"] = EvaluationWorker(storage, service)


def current_storage() -> Storage:
    return current_app.extensions["sightline.storage"]


def current_worker() -> EvaluationWorker:
    return current_app.extensions["sightline.evaluations"]


def categories_of(model_name: str | None) -> Sequence[str]:
    """The classes a label must come from: the model's, or COCO's when that model is no longer registered."""
    if model_name is None:
        return COCO_80
    try:
        return current_service().spec(model_name).categories
    except UnknownModelError:
        return COCO_80


def mime_type(image: StoredImage) -> str:
    return _MIME_TYPES.get(image.format, "application/octet-stream")
