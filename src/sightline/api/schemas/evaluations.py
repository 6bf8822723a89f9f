"""/api/v1/evaluations: model comparisons by COCO mAP and promotion."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...evaluation.metrics import SUMMARY_KEYS
from ...evaluation.provenance import lopsided_warning
from ...evaluation.runs import comparison
from ...storage.models import EvaluationStatus
from .fields import Rounded, derived, from_server, no_nul, value_of
from .pages import page_of


class EvaluationIn(Schema):
    models = fields.List(from_server(fields.String(), enum="models"), required=True, validate=validate.Length(min=1))
    dataset = no_nul(load_default="reviewed")


class PromoteIn(Schema):
    model = from_server(
        fields.String(metadata={"description": "the model to make the default (default: the recommended one)"}),
        enum="models",
    )
    use_operating_point = fields.Boolean(
        load_default=False,
        metadata={
            "description": "also make the model's operating point in this evaluation (the score threshold with the "
            "best F1) its score threshold for detection requests that give none"
        },
    )


class ProgressOut(Schema):
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)


class OperatingPointOut(Schema):
    score_threshold = fields.Float(required=True, metadata={"description": "keep detections scoring at least this"})
    precision = fields.Float(required=True)
    recall = fields.Float(required=True, allow_none=True)
    f1 = fields.Float(required=True)
    true_positives = fields.Integer(required=True)
    false_positives = fields.Integer(required=True)
    missed = fields.Integer(required=True)


class CurvesOut(Schema):
    iou = fields.Float(required=True, metadata={"description": "IoU at which a detection matches (0.5)"})
    recall = fields.List(fields.Float(), required=True, metadata={"description": "COCO's 101 recall thresholds"})
    precision = fields.List(
        fields.Float(),
        required=True,
        allow_none=True,
        metadata={"description": "COCOeval's precision at each recall, averaged over the classes with ground truth"},
    )
    per_class = fields.Dict(keys=fields.String(), values=fields.List(fields.Float()), required=True)


class ErrorBoxOut(Schema):
    label = fields.String(required=True)
    score = fields.Float(metadata={"description": "false positives only"})
    box = fields.List(fields.Float(), required=True, metadata={"description": "[x1, y1, x2, y2] in pixels"})


class PhotoErrorsOut(Schema):
    image_id = fields.Integer(required=True)
    file_name = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    false_positives = fields.List(fields.Nested(ErrorBoxOut), required=True)
    missed = fields.List(fields.Nested(ErrorBoxOut), required=True)


class ProvenanceOut(Schema):
    own_predictions = fields.Integer(
        required=True, metadata={"description": "truth boxes that are this model's own detections, confirmed"}
    )
    other_models = fields.Integer(required=True, metadata={"description": "other models' detections, confirmed"})
    drawn = fields.Integer(required=True, metadata={"description": "objects reviewers drew"})
    imported = fields.Integer(required=True, metadata={"description": "boxes of an imported dataset"})
    total = fields.Integer(required=True)


class ModelResultOut(Schema):
    """An `EvaluationResult` row; what was measured besides the latency lives in its `metrics`."""

    model = fields.String(attribute="model_name", required=True)
    model_version = fields.String(required=True)
    images = fields.Integer(attribute="image_count", required=True)
    latency_ms = Rounded(2, required=True, metadata={"description": "model time per photo, mean, ms"})
    latency_p50_ms = Rounded(
        2,
        attribute="metrics.latency_p50_ms",
        dump_default=None,
        required=True,
        allow_none=True,
        metadata={"description": "model time per photo, median, ms, on this server during the evaluation"},
    )
    memory_mb = Rounded(
        1,
        attribute="metrics.memory_mb",
        dump_default=None,
        required=True,
        allow_none=True,
        metadata={
            "description": "memory the model adds to a serving process once loaded and run (RSS growth in a "
            "fresh process, MB); null when it could not be measured"
        },
    )
    metrics = derived(
        fields.Dict(
            keys=fields.String(),
            values=fields.Float(allow_none=True),
            required=True,
            metadata={
                "description": "map, map_50, map_75, map_small/medium/large, mar_1/10/100, mar_small/medium/large"
            },
        ),
        lambda result: {key: result.metrics.get(key) for key in SUMMARY_KEYS},
    )
    per_class = fields.Dict(
        keys=fields.String(),
        values=fields.Float(allow_none=True),
        attribute="metrics.per_class",
        dump_default=dict,
        required=True,
    )
    # Evaluations stored before curves, operating points and provenance were measured have none of them.
    operating_point = fields.Nested(
        OperatingPointOut,
        attribute="metrics.operating_point",
        dump_default=None,
        required=True,
        allow_none=True,
        metadata={"description": "null when the model found nothing (or the evaluation predates operating points)"},
    )
    curves = fields.Nested(
        CurvesOut,
        attribute="metrics.curves",
        dump_default=None,
        allow_none=True,
        metadata={"description": "only for one evaluation, not a list"},
    )
    provenance = fields.Nested(
        ProvenanceOut,
        attribute="metrics.provenance",
        dump_default=None,
        required=True,
        allow_none=True,
        metadata={"description": "where the truth boxes came from, seen from this model; null before it was counted"},
    )
    photo_errors = fields.List(
        fields.Nested(PhotoErrorsOut),
        attribute="metrics.photo_errors",
        dump_default=None,
        allow_none=True,
        metadata={"description": "photos with errors at the operating point, most first; only for one evaluation"},
    )


class ComparisonRowOut(Schema):
    metric = fields.String(required=True)
    values = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), required=True)
    best = fields.String(required=True, allow_none=True)


class EvaluationOut(Schema):
    """An `Evaluation` row with its results: status, progress and, once done, each model's figures side by side."""

    id = fields.Integer(required=True)
    dataset = fields.String(required=True)
    models = fields.List(fields.String(), required=True)
    status = value_of(EvaluationStatus, required=True)
    progress = derived(
        fields.Nested(ProgressOut, required=True),
        lambda evaluation: {"done": evaluation.progress_done, "total": evaluation.progress_total},
    )
    error = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    results = fields.List(fields.Nested(ModelResultOut), required=True)
    comparison = derived(
        fields.List(fields.Nested(ComparisonRowOut), required=True), lambda evaluation: comparison(evaluation.results)
    )
    provenance_warning = derived(
        fields.String(
            required=True,
            allow_none=True,
            metadata={"description": "set when the truth favours one model's own predictions, with the fair reference"},
        ),
        lambda evaluation: lopsided_warning(
            {r.model_name: r.metrics["provenance"] for r in evaluation.results if r.metrics.get("provenance")}
        ),
    )
    recommended_model = fields.String(required=True, allow_none=True)


EvaluationPageOut = page_of(EvaluationOut)
# What a list of evaluations sends: each model's precision-recall curves and photo errors left out.
EVALUATION_LIST_PAGE = page_of(EvaluationOut(exclude=["results.curves", "results.photo_errors"]))()


class PromoteOut(Schema):
    default_model = fields.String(required=True)
    evaluation_id = fields.Integer(required=True)
    score_threshold = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "the model's score threshold now, when it was set; null when left as it was"},
    )
