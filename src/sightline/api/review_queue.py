"""GET /api/v1/review-queue: the kept photos in the order most worth a reviewer's time, with why, and progress."""

from __future__ import annotations

from ..storage.review_queue import QueueEntry, review_queue
from .lifecycle import current_storage
from .parsing import Blueprint
from .schemas.review_queue import ReviewQueuePageOut, ReviewQueueQueryIn

bp = Blueprint("review_queue", __name__, url_prefix="/api/v1", description="What to review next")


def _boxes(n: int) -> str:
    return f"{n} unjudged {'box' if n == 1 else 'boxes'}"


def _reasons(entry: QueueEntry, threshold: float, margin: float) -> list[dict]:
    reasons = []
    if not entry.reviewed:
        reasons.append({"code": "unreviewed", "message": "nobody has reviewed it"})
    if entry.near_threshold:
        low, high = max(threshold - margin, 0.0), min(threshold + margin, 1.0)
        reasons.append(
            {
                "code": "near_threshold",
                "boxes": entry.near_threshold,
                "message": f"{_boxes(entry.near_threshold)} {'scores' if entry.near_threshold == 1 else 'score'} "
                f"{low:.2f} to {high:.2f}, close to the {threshold:.2f} shown",
            }
        )
    if entry.disagreements:
        models = list(entry.disagreeing_models)
        reasons.append(
            {
                "code": "models_disagree",
                "boxes": entry.disagreements,
                "models": models,
                "message": f"{_boxes(entry.disagreements)} one model found and another did not ({', '.join(models)})",
            }
        )
    return reasons


@bp.get("/review-queue")
@bp.arguments(ReviewQueueQueryIn(), location="query")
@bp.response(200, ReviewQueuePageOut, description="a page of the queue")
def list_queue(query: dict):
    """Every kept photo (one with a prediction) in review order, a page at a time, with how many are reviewed.

    Photos nobody has reviewed first; among them, the most doubtful boxes first: unjudged boxes
    scoring within `margin` of `score_threshold`, and unjudged boxes (at or above it) that a
    prediction of another model on the same photo does not match (same label, IoU >= 0.5).
    Oldest first on a tie; reviewed photos last, in the same order.
    """
    with current_storage().sessions() as session:
        queue = review_queue(session=session, **query)
    return {
        "items": [
            {
                "image": entry.image,
                "reasons": _reasons(entry, queue.score_threshold, queue.margin),
                "doubtful_boxes": entry.doubtful_boxes,
            }
            for entry in queue.items
        ],
        "total": queue.total,
        "reviewed": queue.reviewed,
        "page": queue.page,
        "per_page": queue.per_page,
        "score_threshold": queue.score_threshold,
        "margin": queue.margin,
    }
