"""Probes and metrics for the platform: /healthz (alive), /readyz (default model loaded and warmed up), /metrics."""

from __future__ import annotations

from ..service import current_service
from .auth import require_metrics_key
from .errors import ApiError
from .lifecycle import current_storage
from .metrics import current_metrics
from .parsing import Blueprint
from .schemas.health import StatusOut

bp = Blueprint("health", __name__, description="Liveness, readiness and Prometheus metrics")


@bp.get("/healthz")
@bp.response(200, StatusOut, description="the process answers")
def healthz():
    """The process is alive."""
    return {"status": "ok"}


@bp.get("/readyz")
@bp.response(200, StatusOut, description="the default model is loaded")
@bp.errors(503)
def readyz():
    """The worker that answers has its default model loaded and can detect at full speed."""
    current_storage().check_available()  # a database gone under the server: 503 database_unavailable
    service = current_service()
    if not service.is_ready():
        failure = service.registry.load_error(service.default_model)
        if failure is not None:
            raise ApiError(503, "not_ready", f"the default model failed to load: {failure.summary}")
        service.warm_up()
        raise ApiError(503, "not_ready", f"the default model {service.default_model} is still loading")
    return {"status": "ready", "model": service.default_model}


@bp.get("/metrics")
@bp.alt_response(200, success=True, content_type="text/plain", description="Prometheus text format")
@bp.errors(401)
def metrics():
    """Request counts and latency by route, model and status; inference time; errors.

    With a metrics key set on the server, send it as `Authorization: Bearer KEY`.
    """
    require_metrics_key()
    return current_metrics().exposition()
