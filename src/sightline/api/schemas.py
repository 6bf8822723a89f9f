"""Request and response schemas: they validate what comes in and document what goes out in OpenAPI."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from ..detection.options import MAX_DETECTIONS_LIMIT, DetectOptions
from ..detection.registry import MODEL_FORMATS

_DEFAULTS = DetectOptions()


class DetectQueryIn(Schema):
    """Detection parameters, in the query string or as fields of a multipart upload."""

    model = fields.String(metadata={"description": "model name (default: the server's default model)"})
    score_threshold = fields.Float(
        validate=validate.Range(0.0, 1.0),
        metadata={
            "description": "keep boxes scoring at least this (default: the model's score threshold, set when it "
            f"was promoted with its operating point, else {_DEFAULTS.score_threshold})"
        },
    )
    iou_threshold = fields.Float(
        load_default=_DEFAULTS.iou_threshold,
        validate=validate.Range(0.0, 1.0),
        metadata={"description": "overlap above which the weaker of two same-class boxes is dropped"},
    )
    classes = DelimitedList(
        fields.String(),
        metadata={"description": "comma-separated class names to keep, e.g. dog,cat (default: every class)"},
    )
    max_detections = fields.Integer(
        load_default=_DEFAULTS.max_detections,
        validate=validate.Range(1, MAX_DETECTIONS_LIMIT),
        metadata={"description": "keep at most this many boxes, best first"},
    )
    agnostic_nms = fields.Boolean(
        load_default=False,
        metadata={
            "description": "suppress overlapping boxes across classes, not only within one, so each object "
            "keeps one label (its best): 'dog' without a weaker 'cat' on the same dog"
        },
    )
    tta_flip = fields.Boolean(
        load_default=False,
        metadata={
            "description": "test-time augmentation: also run the model on the photo mirrored left to right and "
            "fuse the boxes of both passes (weighted boxes fusion); about twice the inference time"
        },
    )
    store = fields.Boolean(
        metadata={
            "description": "keep the photo and this prediction for review (default: the server's "
            "SIGHTLINE_STORE_IMAGES setting, off unless set)"
        },
    )


class ImageUploadIn(Schema):
    image = Upload(metadata={"description": "the photo (JPEG, PNG, WebP, BMP, GIF or TIFF)"})


class ImagesUploadIn(Schema):
    image = fields.List(
        Upload(),
        load_default=list,
        metadata={"description": "the photos: one `image` field per photo; results come back in the same order"},
    )


class BoxOut(Schema):
    x1 = fields.Float(required=True)
    y1 = fields.Float(required=True)
    x2 = fields.Float(required=True)
    y2 = fields.Float(required=True)


class DetectionOut(Schema):
    label = fields.String(required=True)
    class_id = fields.Integer(required=True)
    score = fields.Float(required=True)
    box = fields.Nested(BoxOut, required=True, metadata={"description": "x1, y1, x2, y2 in the photo's pixels"})


class ModelRefOut(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)


class ImageSizeOut(Schema):
    width = fields.Integer(required=True, metadata={"description": "after the EXIF orientation is applied"})
    height = fields.Integer(required=True)


class TimingOut(Schema):
    decode = fields.Float(required=True, metadata={"description": "decoding the photo, ms"})
    inference = fields.Float(required=True, metadata={"description": "the forward pass and post-processing, ms"})
    total = fields.Float(required=True, metadata={"description": "the whole request in the server, ms"})


class StoredOut(Schema):
    image_id = fields.Integer(required=True, metadata={"description": "GET /api/v1/images/{image_id}"})
    prediction_id = fields.Integer(required=True)


class DetectOut(Schema):
    id = fields.String(required=True, metadata={"description": "identifies this result"})
    stored = fields.Nested(StoredOut, metadata={"description": "present when the photo was stored"})
    model = fields.Nested(ModelRefOut, required=True)
    image = fields.Nested(ImageSizeOut, required=True)
    detections = fields.List(fields.Nested(DetectionOut), required=True, metadata={"description": "best first"})
    timing_ms = fields.Nested(TimingOut, required=True)


class DetectBatchOut(Schema):
    results = fields.List(fields.Nested(DetectOut), required=True, metadata={"description": "one per photo, in order"})


class ModelOut(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    architecture = fields.String(required=True)
    description = fields.String(required=True)
    classes = fields.List(fields.String(), required=True, metadata={"description": "index = class_id"})
    input_size = fields.List(
        fields.Integer(),
        required=True,
        allow_none=True,
        metadata={"description": "[width, height] of the model input; null when the model takes any size"},
    )
    license = fields.String(required=True)
    source = fields.String(required=True)
    published_accuracy = fields.String(required=True)
    builtin = fields.Boolean(required=True)
    format = fields.String(
        required=True,
        validate=validate.OneOf(MODEL_FORMATS),
        metadata={
            "description": "where the model comes from: shipped, a torchvision state dict, an ONNX file, "
            "a transformers checkpoint, or an ensemble of other models"
        },
    )
    members = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "an ensemble's member models, whose boxes it fuses; empty for a single model"},
    )
    loaded = fields.Boolean(required=True, metadata={"description": "loaded in the worker that answered"})
    default = fields.Boolean(required=True)


class ModelPageOut(Schema):
    items = fields.List(fields.Nested(ModelOut), required=True)
    total = fields.Integer(required=True)


class DefaultModelIn(Schema):
    model = fields.String(required=True, metadata={"description": "name of the model to use when none is named"})


class StatusOut(Schema):
    status = fields.String(required=True)
    model = fields.String(metadata={"description": "the default model"})


class ErrorBodyOut(Schema):
    code = fields.String(required=True, metadata={"description": "stable machine-readable code, e.g. unknown_model"})
    message = fields.String(required=True, metadata={"description": "what went wrong, for people"})
    request_id = fields.String(required=True, allow_none=True, metadata={"description": "also in X-Request-ID"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorBodyOut, required=True)
