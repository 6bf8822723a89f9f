"""/api/v1/evaluations: compare models by COCO mAP on a labelled dataset, in the background; promote the winner."""

from __future__ import annotations

from flask import jsonify

from ..detection.registry import UnknownModelError
from ..evaluation.runs import EvaluationBusyError, EvaluationError, create_evaluation
from ..service import current_service
from ..storage import crud
from ..storage.models import EvaluationStatus
from .auth import admin_required
from .errors import ApiError, not_found
from .lifecycle import current_storage, current_worker
from .parsing import Blueprint
from .schemas.evaluations import (
    EVALUATION_LIST_PAGE,
    EvaluationIn,
    EvaluationOut,
    EvaluationPageOut,
    PromoteIn,
    PromoteOut,
)

bp = Blueprint("evaluations", __name__, url_prefix="/api/v1", description="Model accuracy (COCO mAP) compared")


def _load(session, evaluation_id: int):
    crud.fail_abandoned_evaluations(session=session)
    session.commit()
    return crud.get_evaluation(session=session, evaluation_id=evaluation_id)


@bp.post("/evaluations")
@bp.arguments(EvaluationIn())
@bp.response(202, EvaluationOut, description="queued; follow its Location")
@bp.errors(404, 409, 422)
def start_evaluation(body: dict):
    """Start evaluating models on a dataset ("reviewed" by default); 202, then follow GET for progress and results."""
    storage = current_storage()
    try:
        evaluation = create_evaluation(storage, current_service(), body["models"], body["dataset"])
    except UnknownModelError as error:
        raise ApiError(400, "unknown_model", str(error)) from None
    except crud.NotFoundError as error:
        raise not_found(error) from None
    except EvaluationError as error:
        raise ApiError(422, "empty_dataset", str(error)) from None
    except EvaluationBusyError as error:
        raise ApiError(409, "evaluation_running", str(error)) from None
    current_worker().submit(evaluation.id)
    with storage.sessions() as session:
        queued = crud.get_evaluation(session=session, evaluation_id=evaluation.id)
    return queued, {"Location": f"/api/v1/evaluations/{evaluation.id}"}


@bp.get("/evaluations")
@bp.alt_response(200, schema=EvaluationPageOut, success=True, description="newest first")
def list_evaluations():
    """Past and running evaluations, newest first, with their results."""
    with current_storage().sessions() as session:
        crud.fail_abandoned_evaluations(session=session)
        session.commit()
        items = crud.list_evaluations(session=session)
    return jsonify(EVALUATION_LIST_PAGE.dump({"items": items, "total": len(items)}))


@bp.get("/evaluations/<int:evaluation_id>")
@bp.response(200, EvaluationOut, description="status, progress and results")
@bp.errors(404)
def get_evaluation(evaluation_id: int):
    """Status and progress; once done, per-model mAP numbers side by side and the recommended model."""
    with current_storage().sessions() as session:
        return _load(session, evaluation_id)


@bp.post("/evaluations/<int:evaluation_id>/promote")
@admin_required  # before the body is read: a caller without the key learns nothing from it
@bp.arguments(PromoteIn())
@bp.doc(security=[{"AdminKey": []}])
@bp.response(200, PromoteOut, description="the new default model")
@bp.errors(403, 404, 409)
def promote(body: dict, evaluation_id: int):
    """Make the evaluation's recommended model (or the one named) the default, now and after restarts (admin).

    With `use_operating_point`, detection requests with this model that give no `score_threshold`
    then keep the boxes scoring at least the model's operating point in this evaluation.
    """
    with current_storage().writing() as (session, _):
        evaluation = _load(session, evaluation_id)
        if evaluation.status != EvaluationStatus.DONE:
            raise ApiError(409, "evaluation_not_done", f"evaluation {evaluation_id} is {evaluation.status.value}")
        name = body.get("model") or evaluation.recommended_model
        if name not in evaluation.models:
            raise ApiError(400, "model_not_evaluated", f"model {name!r} was not part of evaluation {evaluation_id}")
        threshold = None
        if body["use_operating_point"]:
            [result] = [result for result in evaluation.results if result.model_name == name]
            point = result.metrics.get("operating_point")
            if point is None:
                raise ApiError(409, "no_operating_point", f"model {name!r} found nothing in evaluation {evaluation_id}")
            threshold = point["score_threshold"]
    try:
        current_service().set_default_model(name, threshold)
    except UnknownModelError as error:
        raise ApiError(400, "unknown_model", str(error)) from None
    return {"default_model": name, "evaluation_id": evaluation_id, "score_threshold": threshold}
