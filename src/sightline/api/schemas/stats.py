"""GET /api/v1/stats: stored and reviewed photos, ground truth by source, shares of detections judged correct."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump

from .fields import Rounded


class FeedbackShareOut(Schema):
    """A `FeedbackShare`; `label` and `day` only in the per-class and per-day lists."""

    model = fields.String(required=True)
    label = fields.String()
    day = fields.String(metadata={"description": "YYYY-MM-DD (UTC) of the predictions"})
    judged = fields.Integer(required=True, metadata={"description": "detections users gave feedback on"})
    correct = fields.Integer(required=True)
    share_correct = Rounded(4, required=True, allow_none=True)

    @post_dump
    def _leave_out_unset(self, share: dict, **kwargs) -> dict:
        for key in ("label", "day"):
            if share[key] is None:
                del share[key]
        return share


class FeedbackStatsOut(Schema):
    by_model = fields.List(fields.Nested(FeedbackShareOut), required=True)
    by_class = fields.List(fields.Nested(FeedbackShareOut), required=True)
    by_day = fields.List(fields.Nested(FeedbackShareOut), required=True)


class GroundTruthOut(Schema):
    boxes = fields.Integer(required=True, metadata={"description": "judged and drawn boxes on reviewed photos"})
    by_source = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "per model whose detections reviewers confirmed, and `drawn`"},
    )


class StatsOut(Schema):
    images = fields.Integer(required=True)
    reviewed_images = fields.Integer(required=True)
    ground_truth = fields.Nested(GroundTruthOut, required=True)
    feedback = fields.Nested(FeedbackStatsOut, required=True)
