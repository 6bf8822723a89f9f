"""GET /api/v1/review-queue: kept photos in review order, with why each is there, and progress."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...storage.crud import MAX_PAGE, MAX_PAGE_SIZE
from ...storage.review_queue import DEFAULT_NEAR_MARGIN
from ...storage.truth import DEFAULT_SHOWN_SCORE
from .images import ImageSummaryOut
from .pages import page_of


class ReviewQueueQueryIn(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PAGE_SIZE))
    score_threshold = fields.Float(
        load_default=DEFAULT_SHOWN_SCORE,
        validate=validate.Range(0.0, 1.0),
        metadata={"description": "the lowest score the reviewer is shown (the Review page's slider)"},
    )
    margin = fields.Float(
        load_default=DEFAULT_NEAR_MARGIN,
        validate=validate.Range(0.0, 1.0),
        metadata={"description": "a box scoring within this of `score_threshold`, either side, is doubtful"},
    )


class QueueReasonOut(Schema):
    code = fields.String(required=True, validate=validate.OneOf(["unreviewed", "near_threshold", "models_disagree"]))
    message = fields.String(required=True, metadata={"description": "the reason, for people"})
    boxes = fields.Integer(metadata={"description": "near_threshold, models_disagree: how many unjudged boxes"})
    models = fields.List(fields.String(), metadata={"description": "models_disagree: the models that disagree"})


class ReviewQueueItemOut(Schema):
    image = fields.Nested(ImageSummaryOut, required=True)
    reasons = fields.List(fields.Nested(QueueReasonOut), required=True, metadata={"description": "why it is here"})
    doubtful_boxes = fields.Integer(required=True, metadata={"description": "near_threshold + models_disagree boxes"})


ReviewQueuePageOut = page_of(
    ReviewQueueItemOut,
    "ReviewQueuePageOut",
    items=fields.List(fields.Nested(ReviewQueueItemOut), required=True, metadata={"description": "in review order"}),
    total=fields.Integer(required=True, metadata={"description": "kept photos (those with a prediction)"}),
    reviewed=fields.Integer(required=True, metadata={"description": "of them, reviewed"}),
    page=fields.Integer(required=True),
    per_page=fields.Integer(required=True),
    score_threshold=fields.Float(required=True),
    margin=fields.Float(required=True),
)
