"""/api/v1/detect and /api/v1/detect/batch: the detection parameters, the uploads and the result."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from ...detection.options import IOU_THRESHOLD, MAX_DETECTIONS, MAX_DETECTIONS_RANGE, SCORE_THRESHOLD, THRESHOLD_RANGE
from .fields import BoxOut, Rounded, from_server
from .models import ModelRefOut


class DetectQueryIn(Schema):
    """Detection parameters, in the query string or as fields of a multipart upload."""

    model = from_server(
        fields.String(metadata={"description": "model name (default: the server's default model)"}), enum="models"
    )
    score_threshold = fields.Float(
        validate=validate.Range(*THRESHOLD_RANGE),
        metadata={
            "description": "keep boxes scoring at least this (default: the model's score threshold, set when it "
            f"was promoted with its operating point, else {SCORE_THRESHOLD})"
        },
    )
    iou_threshold = fields.Float(
        load_default=IOU_THRESHOLD,
        validate=validate.Range(*THRESHOLD_RANGE),
        metadata={"description": "overlap above which the weaker of two same-class boxes is dropped"},
    )
    classes = DelimitedList(
        from_server(fields.String(), enum="classes"),
        metadata={"description": "comma-separated class names to keep, e.g. dog,cat (default: every class)"},
    )
    max_detections = fields.Integer(
        load_default=MAX_DETECTIONS,
        validate=validate.Range(*MAX_DETECTIONS_RANGE),
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


IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp", "image/gif", "image/tiff")
# A part's content type, when the client gives one; a file part without one is taken as a photo too.
_PART_TYPES = ", ".join((*IMAGE_TYPES, "application/octet-stream"))
MULTIPART_ENCODING = {"multipart/form-data": {"encoding": {"image": {"contentType": _PART_TYPES}}}}


class ImageUploadIn(Schema):
    image = Upload(
        required=True,
        error_messages={"required": "no photo: send it in the multipart field 'image'"},
        metadata={"description": "the photo (JPEG, PNG, WebP, BMP, GIF or TIFF)"},
    )


class ImagesUploadIn(Schema):
    image = from_server(
        fields.List(
            Upload(),
            required=True,
            error_messages={"required": "no photos: send each in a multipart field 'image'"},
            validate=validate.Length(min=1),
            metadata={"description": "the photos: one `image` field per photo; results come back in the same order"},
        ),
        maxItems="max_batch_images",
    )


class DetectionOut(Schema):
    label = fields.String(required=True)
    class_id = fields.Integer(required=True)
    score = fields.Float(required=True)
    box = fields.Nested(BoxOut, required=True, metadata={"description": "x1, y1, x2, y2 in the photo's pixels"})


class DetectionList(fields.List):
    """A `Detections` value, sent and documented as a list of `DetectionOut`.

    Written by `Detections.to_json`, which a test holds to this schema: dumping each box through
    `DetectionOut` would cost about 1.8 ms for 100 boxes (docs/decisions/0007-schemas-shape-responses.md).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(fields.Nested(DetectionOut), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.to_json()


class ImageSizeOut(Schema):
    width = fields.Integer(required=True, metadata={"description": "after the EXIF orientation is applied"})
    height = fields.Integer(required=True)


class TimingOut(Schema):
    decode = Rounded(2, required=True, metadata={"description": "decoding the photo, ms"})
    inference = Rounded(2, required=True, metadata={"description": "the forward pass and post-processing, ms"})
    total = Rounded(2, required=True, metadata={"description": "the whole request in the server, ms"})


class StoredOut(Schema):
    image_id = fields.Integer(required=True, metadata={"description": "GET /api/v1/images/{image_id}"})
    prediction_id = fields.Integer(required=True)


class DetectOut(Schema):
    """One photo's result: `model` a model spec, `image` the decoded photo, `detections` a `Detections`."""

    id = fields.String(required=True, metadata={"description": "identifies this result"})
    model = fields.Nested(ModelRefOut, required=True)
    image = fields.Nested(ImageSizeOut, required=True)
    detections = DetectionList(required=True, metadata={"description": "best first"})
    timing_ms = fields.Nested(TimingOut, required=True)
    stored = fields.Nested(StoredOut, metadata={"description": "present when the photo was stored"})


class DetectBatchOut(Schema):
    results = fields.List(fields.Nested(DetectOut), required=True, metadata={"description": "one per photo, in order"})
