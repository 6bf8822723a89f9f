"""GET /api/v1/stats: monitoring numbers for the page (stored and reviewed photos, share of detections marked correct)."""

from __future__ import annotations

from flask import jsonify

from ..storage import crud
from ..storage.truth import reviewed_truth_sources
from .lifecycle import current_storage
from .lifecycle_schemas import StatsOut
from .parsing import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/api/v1", description="How the models are doing, by users' feedback")


def _share(share: crud.FeedbackShare) -> dict:
    record = {"model": share.model}
    if share.label is not None:
        record["label"] = share.label
    if share.day is not None:
        record["day"] = share.day
    rate = share.share_correct
    return {
        **record,
        "judged": share.judged,
        "correct": share.correct,
        "share_correct": round(rate, 4) if rate is not None else None,
    }


@bp.get("/stats")
@bp.alt_response(200, schema=StatsOut, success=True, description="counts and shares")
def stats():
    """Counts of stored and reviewed photos; the reviewed photos' ground-truth boxes by where they came from;
    of the detections users judged, the share marked correct, per model, per model and class, and per
    model and day (UTC) of the prediction."""
    with current_storage().sessions() as session:
        images, reviewed = crud.count_images(session=session)
        sources = reviewed_truth_sources(session=session)
        return jsonify(
            {
                "images": images,
                "reviewed_images": reviewed,
                "ground_truth": {"boxes": sum(sources.values()), "by_source": sources},
                "feedback": {
                    "by_model": [_share(s) for s in crud.feedback_shares(session=session)],
                    "by_class": [_share(s) for s in crud.feedback_shares(session=session, by_label=True)],
                    "by_day": [_share(s) for s in crud.feedback_shares(session=session, by_day=True)],
                },
            }
        )
