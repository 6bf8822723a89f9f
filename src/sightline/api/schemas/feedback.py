"""Feedback on stored predictions: verdicts per detection, objects the model missed, a review in one request."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...storage.models import Verdict
from .fields import Box, BoxIn, from_server, value_of

_VERDICTS = [verdict.value for verdict in Verdict]


class FeedbackIn(Schema):
    verdict = fields.String(required=True, validate=validate.OneOf(_VERDICTS))
    label = from_server(
        fields.String(metadata={"description": "the right class (wrong_label; optional with wrong_box)"}),
        enum="classes",
    )
    box = fields.Nested(BoxIn, metadata={"description": "the fixed box (wrong_box; optional with wrong_label)"})


class DetectionFeedbackIn(FeedbackIn):
    detection_id = fields.Integer(required=True)


class MissedIn(Schema):
    label = from_server(fields.String(required=True), enum="classes")
    box = fields.Nested(BoxIn, required=True)


class ImageFeedbackIn(Schema):
    """Feedback on several detections of one photo, objects the model missed, and its review state, all at once."""

    detections = fields.List(fields.Nested(DetectionFeedbackIn), load_default=list)
    missed = fields.List(fields.Nested(MissedIn), load_default=list)
    reviewed = fields.Boolean(metadata={"description": "also mark the photo reviewed (true) or not (false)"})
    score_threshold = fields.Float(
        validate=validate.Range(0.0, 1.0),
        metadata={
            "description": "the lowest score the reviewer was shown (the Review page's slider); kept with the "
            "review, and a box scoring below it that had no verdict yet cannot be confirmed in this request"
        },
    )


class FeedbackOut(Schema):
    """A `Feedback` row."""

    verdict = value_of(Verdict, required=True)
    label = fields.String(
        attribute="corrected_label", required=True, allow_none=True, metadata={"description": "the corrected class"}
    )
    box = Box(attribute="corrected_box", required=True, allow_none=True, metadata={"description": "the corrected box"})
    updated_at = fields.DateTime(required=True)


class DetectionFeedbackOut(FeedbackOut):
    detection_id = fields.Integer(required=True)


class MissedOut(Schema):
    """A `MissedObject` row."""

    id = fields.Integer(required=True)
    label = fields.String(required=True)
    class_id = fields.Integer(required=True)
    box = Box(required=True)
