"""GET /api/v1/stats: monitoring numbers for the page (stored and reviewed photos, share of detections marked correct)."""

from __future__ import annotations

from ..storage import crud
from ..storage.truth import reviewed_truth_sources
from .lifecycle import current_storage
from .parsing import Blueprint
from .schemas.stats import StatsOut

bp = Blueprint("stats", __name__, url_prefix="/api/v1", description="How the models are doing, by users' feedback")


@bp.get("/stats")
@bp.response(200, StatsOut, description="counts and shares")
def stats():
    """Counts of stored and reviewed photos; the reviewed photos' ground-truth boxes by where they came from;
    of the detections users judged, the share marked correct, per model, per model and class, and per
    model and day (UTC) of the prediction."""
    with current_storage().sessions() as session:
        images, reviewed = crud.count_images(session=session)
        sources = reviewed_truth_sources(session=session)
        return {
            "images": images,
            "reviewed_images": reviewed,
            "ground_truth": {"boxes": sum(sources.values()), "by_source": sources},
            "feedback": {
                "by_model": crud.feedback_shares(session=session),
                "by_class": crud.feedback_shares(session=session, by_label=True),
                "by_day": crud.feedback_shares(session=session, by_day=True),
            },
        }
