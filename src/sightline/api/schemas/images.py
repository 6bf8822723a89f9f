"""/api/v1/images: stored photos, their predictions with each detection's feedback, and the objects users added."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...detection.options import IOU_THRESHOLD, MAX_DETECTIONS, MAX_DETECTIONS_RANGE, SCORE_THRESHOLD, THRESHOLD_RANGE
from ...storage.crud import IMAGE_SOURCES, MAX_PAGE, MAX_PAGE_SIZE
from ...storage.models import ReviewState
from .detect import DetectQueryIn
from .feedback import FeedbackOut, MissedOut
from .fields import Box, Rounded, derived, from_server, no_nul, value_of
from .models import ModelRefOut
from .pages import page_of


class ImageListQueryIn(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PAGE_SIZE))
    reviewed = fields.Boolean(metadata={"description": "only reviewed (true) or unreviewed (false) photos"})
    label = no_nul(metadata={"description": "photos where a model or a user named this class"})
    model = no_nul(metadata={"description": "photos with a prediction by this model"})
    source = fields.String(
        validate=validate.OneOf(IMAGE_SOURCES),
        metadata={
            "description": "where the photos come from: `uploads`, those sent to the API (they have a prediction; "
            "a dataset photo also uploaded is one), or `datasets`, those in an imported dataset; "
            "all stored photos when absent"
        },
    )
    dataset = no_nul(
        metadata={
            "description": "photos of the imported dataset of this name, as GET /api/v1/datasets lists it "
            "(`reviewed` is none: use reviewed=true); 404 if there is none"
        }
    )
    min_score = fields.Float(
        load_default=0.0,
        validate=validate.Range(*THRESHOLD_RANGE),
        metadata={"description": "each photo's `box_count` counts only the detections scoring at least this"},
    )


class ReviewIn(Schema):
    reviewed = fields.Boolean(load_default=True)


class RerunIn(Schema):
    model = from_server(
        fields.String(required=True, metadata={"description": "the model to run on the stored photo"}), enum="models"
    )
    score_threshold = fields.Float(load_default=SCORE_THRESHOLD, validate=validate.Range(*THRESHOLD_RANGE))
    iou_threshold = fields.Float(load_default=IOU_THRESHOLD, validate=validate.Range(*THRESHOLD_RANGE))
    max_detections = fields.Integer(load_default=MAX_DETECTIONS, validate=validate.Range(*MAX_DETECTIONS_RANGE))
    # Taken as /detect takes them.
    agnostic_nms = DetectQueryIn._declared_fields["agnostic_nms"]
    tta_flip = DetectQueryIn._declared_fields["tta_flip"]


class StoredDetectionOut(Schema):
    """A stored `Detection` row with its feedback."""

    id = fields.Integer(required=True, metadata={"description": "what feedback refers to"})
    label = fields.String(required=True)
    class_id = fields.Integer(required=True)
    score = Rounded(4, required=True)
    box = Box(required=True)
    feedback = fields.Nested(FeedbackOut, required=True, allow_none=True)


class PredictionOut(Schema):
    """A `Prediction` row with its detections."""

    id = fields.Integer(required=True)
    model = derived(
        fields.Nested(ModelRefOut, required=True),
        lambda prediction: {"name": prediction.model_name, "version": prediction.model_version},
    )
    parameters = fields.Dict(required=True, metadata={"description": "the detection parameters used"})
    duration_ms = Rounded(2, required=True)
    created_at = fields.DateTime(required=True)
    detections = fields.List(fields.Nested(StoredDetectionOut), required=True)


class ImageSummaryOut(Schema):
    """A `StoredImage` row, with the names of the models that made a prediction on it (and, listed, its box count)."""

    id = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    format = fields.String(required=True)
    byte_size = fields.Integer(required=True)
    uploaded_at = fields.DateTime(required=True)
    review_state = value_of(ReviewState, required=True)
    reviewed_at = fields.DateTime(required=True, allow_none=True)
    review_score_threshold = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "the lowest score shown to the reviewer when the review was saved; null if not told"},
    )
    file_url = derived(fields.String(required=True), lambda image: f"/api/v1/images/{image.id}/file")
    file_name = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "the name it was first sent or imported under; null when it came without one"},
    )
    models = derived(
        fields.List(fields.String(), metadata={"description": "models that made a prediction on it"}),
        lambda image: sorted({prediction.model_name for prediction in image.predictions}),
    )
    box_count = fields.Integer(
        allow_none=True,
        metadata={
            "description": "its newest prediction's detections scoring at least the list's `min_score`; "
            "null when no model ran on it"
        },
    )


class ImageOut(ImageSummaryOut):
    """A `StoredImage` row with every prediction, and the objects users added."""

    class Meta:
        exclude = ("models", "box_count")

    predictions = fields.List(fields.Nested(PredictionOut), required=True, metadata={"description": "oldest first"})
    missed_objects = fields.List(fields.Nested(MissedOut), required=True)


ImagePageOut = page_of(
    ImageSummaryOut, "ImagePageOut", page=fields.Integer(required=True), per_page=fields.Integer(required=True)
)
