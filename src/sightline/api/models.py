"""GET /api/v1/models: what each model detects and whether it is loaded; admins change the default."""

from __future__ import annotations

from ..detection.registry import ModelSpec, UnknownModelError
from ..service import current_service
from .auth import admin_required
from .errors import ApiError
from .parsing import Blueprint
from .schemas.models import DefaultModelIn, ModelOut, ModelPageOut

bp = Blueprint("models", __name__, url_prefix="/api/v1", description="The models this server can use")


def _model(spec: ModelSpec) -> dict:
    """The model as `ModelOut` sends it: its spec, and its state in this worker."""
    service = current_service()
    return {
        **spec.to_json(),
        "loaded": service.registry.is_loaded(spec.name),
        "default": spec.name == service.default_model,
    }


def _spec(name: str) -> ModelSpec:
    try:
        return current_service().spec(name)
    except UnknownModelError as error:
        raise ApiError(404, "unknown_model", str(error)) from None


@bp.get("/models")
@bp.response(200, ModelPageOut, description="every model, the default marked")
def list_models():
    """List the models: classes, input size, licence, whether loaded, which is the default."""
    items = [_model(spec) for spec in current_service().registry.specs]
    return {"items": items, "total": len(items)}


@bp.get("/models/default")
@bp.response(200, ModelOut, description="the default model")
def get_default_model():
    """The model used when a request names none."""
    return _model(_spec(current_service().default_model))


@bp.put("/models/default")
@admin_required
@bp.arguments(DefaultModelIn())
@bp.doc(security=[{"AdminKey": []}])
@bp.response(200, ModelOut, description="the new default model")
@bp.errors(403)
def set_default_model(choice: dict):
    """Change the default model without a restart (admin key needed).

    The new default starts loading at once; `/readyz` answers 503 until it has. The choice is kept
    in the database, so it outlives a restart, like a model promoted after an evaluation.
    """
    try:
        current_service().set_default_model(choice["model"])
    except UnknownModelError as error:
        raise ApiError(400, "unknown_model", str(error)) from None
    return _model(_spec(choice["model"]))


@bp.get("/models/<name>")
@bp.response(200, ModelOut, description="the model")
@bp.errors(404)
def get_model(name: str):
    """One model by name."""
    return _model(_spec(name))
