"""Feedback on stored predictions: right or wrong per detection, objects the model missed, review state."""

from __future__ import annotations

from flask import Response

from ..storage import crud
from ..storage.models import Verdict
from .errors import ApiError, input_error
from .lifecycle import categories_of, current_storage
from .parsing import Blueprint
from .schemas.feedback import DetectionFeedbackOut, FeedbackIn, ImageFeedbackIn, MissedIn, MissedOut
from .schemas.images import ImageOut

bp = Blueprint("feedback", __name__, url_prefix="/api/v1", description="What users say about the predictions")


def _box(body: dict) -> tuple[float, float, float, float] | None:
    box = body.get("box")
    return (box["x1"], box["y1"], box["x2"], box["y2"]) if box else None


def _unseen(detection, verdict: str, shown: float | None) -> bool:
    """A first verdict that makes a box ground truth although it scores below what the reviewer was shown."""
    return (
        shown is not None
        # The page compares the score as the API sends it, rounded to 4 places.
        and round(detection.score, 4) < shown
        and detection.feedback is None
        and verdict != Verdict.NOT_AN_OBJECT.value
    )


def _first_model(image) -> str | None:
    return image.predictions[0].model_name if image.predictions else None


@bp.post("/images/<int:image_id>/feedback")
@bp.arguments(ImageFeedbackIn())
@bp.response(200, ImageOut, description="the photo's record with the feedback")
@bp.errors(404, 422)
def submit_feedback(body: dict, image_id: int):
    """Record feedback on several detections of a photo, add missed objects, optionally mark it reviewed.

    All or nothing: if one item is refused (unknown detection, box outside the photo, unknown
    label, a box the reviewer was not shown) nothing of the request is stored, and the message
    names the item. Only judged and drawn boxes become ground truth; unjudged candidates never do.
    """
    shown = body.get("score_threshold")
    with current_storage().writing() as (session, _):
        image = crud.get_image(session=session, image_id=image_id)
        detections = {d.id: d for p in image.predictions for d in p.detections}
        for number, item in enumerate(body["detections"], start=1):
            detection = detections.get(item["detection_id"])
            if detection is None:
                raise crud.NotFoundError("detection", item["detection_id"], f"on image {image_id}")
            if _unseen(detection, item["verdict"], shown):
                raise ApiError(
                    422,
                    "below_shown_score",
                    f"detections[{number}]: detection {detection.id} scores {detection.score:.2f}, below the "
                    f"score threshold {shown:g} the reviewer was shown; it cannot be confirmed unseen",
                )
            try:
                crud.set_feedback(
                    session=session,
                    detection=detection,
                    verdict=item["verdict"],
                    label=item.get("label"),
                    box=_box(item),
                    categories=categories_of(detection.prediction.model_name),
                )
            except crud.InputError as error:
                raise input_error(crud.InputError(error.code, f"detections[{number}]: {error}")) from None
        for number, item in enumerate(body["missed"], start=1):
            try:
                crud.add_missed_object(
                    session=session,
                    image=image,
                    label=item["label"],
                    box=_box(item),
                    categories=categories_of(_first_model(image)),
                )
            except crud.InputError as error:
                raise input_error(crud.InputError(error.code, f"missed[{number}]: {error}")) from None
        if "reviewed" in body:
            crud.set_review_state(session=session, image=image, reviewed=body["reviewed"], score_threshold=shown)
        elif shown is not None:
            image.review_score_threshold = shown
    with current_storage().sessions() as session:
        return crud.get_image(session=session, image_id=image_id)


@bp.put("/detections/<int:detection_id>/feedback")
@bp.arguments(FeedbackIn())
@bp.response(200, DetectionFeedbackOut, description="the recorded feedback")
@bp.errors(404, 422)
def set_feedback(body: dict, detection_id: int):
    """Record or replace the feedback on one detection."""
    with current_storage().writing() as (session, _):
        detection = crud.get_detection(session=session, detection_id=detection_id)
        feedback = crud.set_feedback(
            session=session,
            detection=detection,
            verdict=body["verdict"],
            label=body.get("label"),
            box=_box(body),
            categories=categories_of(detection.prediction.model_name),
        )
    return feedback


@bp.delete("/detections/<int:detection_id>/feedback")
@bp.alt_response(204, success=True, description="feedback removed")
@bp.errors(404)
def clear_feedback(detection_id: int):
    """Take back the feedback on one detection."""
    with current_storage().writing() as (session, _):
        crud.clear_feedback(session=session, detection=crud.get_detection(session=session, detection_id=detection_id))
    return Response(status=204)


@bp.post("/images/<int:image_id>/missed")
@bp.arguments(MissedIn())
@bp.response(201, MissedOut, description="the added object")
@bp.errors(404, 422)
def add_missed(body: dict, image_id: int):
    """Add an object the model did not find: a box the user drew and its label."""
    with current_storage().writing() as (session, _):
        image = crud.get_image(session=session, image_id=image_id)
        missed = crud.add_missed_object(
            session=session,
            image=image,
            label=body["label"],
            box=_box(body),
            categories=categories_of(_first_model(image)),
        )
    return missed


@bp.delete("/missed/<int:missed_id>")
@bp.alt_response(204, success=True, description="removed")
@bp.errors(404)
def delete_missed(missed_id: int):
    """Remove an object a user added by mistake."""
    with current_storage().writing() as (session, _):
        crud.delete_missed_object(session=session, missed=crud.get_missed_object(session=session, missed_id=missed_id))
    return Response(status=204)
