"""Request and response schemas of the stored-data endpoints: images, feedback, evaluations, stats."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..storage.crud import IMAGE_SOURCES, MAX_PAGE, MAX_PAGE_SIZE
from ..storage.models import Verdict
from ..storage.review_queue import DEFAULT_NEAR_MARGIN
from ..storage.truth import DEFAULT_SHOWN_SCORE
from .schemas import BoxOut, ModelRefOut


class BoxIn(Schema):
    x1 = fields.Float(required=True)
    y1 = fields.Float(required=True)
    x2 = fields.Float(required=True)
    y2 = fields.Float(required=True)


class ImageListQueryIn(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PAGE_SIZE))
    reviewed = fields.Boolean(metadata={"description": "only reviewed (true) or unreviewed (false) photos"})
    label = fields.String(metadata={"description": "photos where a model or a user named this class"})
    model = fields.String(metadata={"description": "photos with a prediction by this model"})
    source = fields.String(
        validate=validate.OneOf(IMAGE_SOURCES),
        metadata={
            "description": "where the photos come from: `uploads`, those sent to the API (they have a prediction; "
            "a dataset photo also uploaded is one), or `datasets`, those in an imported dataset; "
            "all stored photos when absent"
        },
    )
    dataset = fields.String(
        metadata={
            "description": "photos of the imported dataset of this name, as GET /api/v1/datasets lists it "
            "(`reviewed` is none: use reviewed=true); 404 if there is none"
        }
    )


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


class ReviewIn(Schema):
    reviewed = fields.Boolean(load_default=True)


class RerunIn(Schema):
    model = fields.String(required=True, metadata={"description": "the model to run on the stored photo"})
    score_threshold = fields.Float(load_default=0.3, validate=validate.Range(0.0, 1.0))
    iou_threshold = fields.Float(load_default=0.5, validate=validate.Range(0.0, 1.0))
    max_detections = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class FeedbackIn(Schema):
    verdict = fields.String(required=True, validate=validate.OneOf([v.value for v in Verdict]))
    label = fields.String(metadata={"description": "the right class (wrong_label; optional with wrong_box)"})
    box = fields.Nested(BoxIn, metadata={"description": "the fixed box (wrong_box; optional with wrong_label)"})


class DetectionFeedbackIn(FeedbackIn):
    detection_id = fields.Integer(required=True)


class MissedIn(Schema):
    label = fields.String(required=True)
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


class EvaluationIn(Schema):
    models = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    dataset = fields.String(load_default="reviewed")


class PromoteIn(Schema):
    model = fields.String(metadata={"description": "the model to make the default (default: the recommended one)"})
    use_operating_point = fields.Boolean(
        load_default=False,
        metadata={
            "description": "also make the model's operating point in this evaluation (the score threshold with the "
            "best F1) its score threshold for detection requests that give none"
        },
    )


# Responses


class FeedbackOut(Schema):
    verdict = fields.String(required=True, validate=validate.OneOf([v.value for v in Verdict]))
    label = fields.String(required=True, allow_none=True, metadata={"description": "the corrected class"})
    box = fields.Nested(BoxOut, required=True, allow_none=True, metadata={"description": "the corrected box"})
    updated_at = fields.DateTime(required=True)


class DetectionFeedbackOut(FeedbackOut):
    detection_id = fields.Integer(required=True)


class StoredDetectionOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "what feedback refers to"})
    label = fields.String(required=True)
    class_id = fields.Integer(required=True)
    score = fields.Float(required=True)
    box = fields.Nested(BoxOut, required=True)
    feedback = fields.Nested(FeedbackOut, required=True, allow_none=True)


class PredictionOut(Schema):
    id = fields.Integer(required=True)
    model = fields.Nested(ModelRefOut, required=True)
    parameters = fields.Dict(required=True, metadata={"description": "the detection parameters used"})
    duration_ms = fields.Float(required=True)
    created_at = fields.DateTime(required=True)
    detections = fields.List(fields.Nested(StoredDetectionOut), required=True)


class MissedOut(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    class_id = fields.Integer(required=True)
    box = fields.Nested(BoxOut, required=True)


class ImageSummaryOut(Schema):
    id = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    format = fields.String(required=True)
    byte_size = fields.Integer(required=True)
    uploaded_at = fields.DateTime(required=True)
    review_state = fields.String(required=True, validate=validate.OneOf(["unreviewed", "reviewed"]))
    reviewed_at = fields.DateTime(required=True, allow_none=True)
    review_score_threshold = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "the lowest score shown to the reviewer when the review was saved; null if not told"},
    )
    file_url = fields.String(required=True)
    models = fields.List(fields.String(), metadata={"description": "models that made a prediction on it"})


class ImageOut(ImageSummaryOut):
    predictions = fields.List(fields.Nested(PredictionOut), required=True, metadata={"description": "oldest first"})
    missed_objects = fields.List(fields.Nested(MissedOut), required=True)


class ImagePageOut(Schema):
    items = fields.List(fields.Nested(ImageSummaryOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class QueueReasonOut(Schema):
    code = fields.String(required=True, validate=validate.OneOf(["unreviewed", "near_threshold", "models_disagree"]))
    message = fields.String(required=True, metadata={"description": "the reason, for people"})
    boxes = fields.Integer(metadata={"description": "near_threshold, models_disagree: how many unjudged boxes"})
    models = fields.List(fields.String(), metadata={"description": "models_disagree: the models that disagree"})


class ReviewQueueItemOut(Schema):
    image = fields.Nested(ImageSummaryOut, required=True)
    reasons = fields.List(fields.Nested(QueueReasonOut), required=True, metadata={"description": "why it is here"})
    doubtful_boxes = fields.Integer(required=True, metadata={"description": "near_threshold + models_disagree boxes"})


class ReviewQueuePageOut(Schema):
    items = fields.List(fields.Nested(ReviewQueueItemOut), required=True, metadata={"description": "in review order"})
    total = fields.Integer(required=True, metadata={"description": "kept photos (those with a prediction)"})
    reviewed = fields.Integer(required=True, metadata={"description": "of them, reviewed"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    score_threshold = fields.Float(required=True)
    margin = fields.Float(required=True)


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
    model = fields.String(required=True)
    model_version = fields.String(required=True)
    images = fields.Integer(required=True)
    latency_ms = fields.Float(required=True, metadata={"description": "model time per photo, mean, ms"})
    latency_p50_ms = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "model time per photo, median, ms, on this server during the evaluation"},
    )
    memory_mb = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "memory the model adds to a serving process once loaded and run (RSS growth in a "
            "fresh process, MB); null when it could not be measured"
        },
    )
    metrics = fields.Dict(
        keys=fields.String(),
        values=fields.Float(allow_none=True),
        required=True,
        metadata={"description": "map, map_50, map_75, map_small/medium/large, mar_1/10/100, mar_small/medium/large"},
    )
    per_class = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), required=True)
    operating_point = fields.Nested(
        OperatingPointOut,
        required=True,
        allow_none=True,
        metadata={"description": "null when the model found nothing (or the evaluation predates operating points)"},
    )
    curves = fields.Nested(CurvesOut, allow_none=True, metadata={"description": "only for one evaluation, not a list"})
    provenance = fields.Nested(
        ProvenanceOut,
        required=True,
        allow_none=True,
        metadata={"description": "where the truth boxes came from, seen from this model; null before it was counted"},
    )
    photo_errors = fields.List(
        fields.Nested(PhotoErrorsOut),
        allow_none=True,
        metadata={"description": "photos with errors at the operating point, most first; only for one evaluation"},
    )


class ComparisonRowOut(Schema):
    metric = fields.String(required=True)
    values = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), required=True)
    best = fields.String(required=True, allow_none=True)


class EvaluationOut(Schema):
    id = fields.Integer(required=True)
    dataset = fields.String(required=True)
    models = fields.List(fields.String(), required=True)
    status = fields.String(required=True, validate=validate.OneOf(["queued", "running", "done", "failed"]))
    progress = fields.Nested(ProgressOut, required=True)
    error = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    results = fields.List(fields.Nested(ModelResultOut), required=True)
    comparison = fields.List(fields.Nested(ComparisonRowOut), required=True)
    provenance_warning = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "set when the truth favours one model's own predictions, with the fair reference"},
    )
    recommended_model = fields.String(required=True, allow_none=True)


class EvaluationPageOut(Schema):
    items = fields.List(fields.Nested(EvaluationOut), required=True)
    total = fields.Integer(required=True)


class PromoteOut(Schema):
    default_model = fields.String(required=True)
    evaluation_id = fields.Integer(required=True)
    score_threshold = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "the model's score threshold now, when it was set; null when left as it was"},
    )


class DatasetOut(Schema):
    name = fields.String(required=True)
    images = fields.Integer(required=True)


class DatasetPageOut(Schema):
    items = fields.List(fields.Nested(DatasetOut), required=True)
    total = fields.Integer(required=True)


class FeedbackShareOut(Schema):
    model = fields.String(required=True)
    label = fields.String()
    day = fields.String(metadata={"description": "YYYY-MM-DD (UTC) of the predictions"})
    judged = fields.Integer(required=True, metadata={"description": "detections users gave feedback on"})
    correct = fields.Integer(required=True)
    share_correct = fields.Float(required=True, allow_none=True)


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
