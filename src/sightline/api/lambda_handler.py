"""AWS Lambda entry point: API Gateway events (HTTP API v2, REST API v1) in, the Flask app's responses out.

`apig-wsgi` translates the event into a WSGI request (base64 bodies decoded, multipart passed through)
and the response back. The app, and with it the models, is built on the first call of a container
and reused by every later call that container serves. Nothing here imports PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..config import Settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

_handler: LambdaHandler | None = None


def build_handler(settings: Settings | None = None, **overrides) -> LambdaHandler:
    """A Lambda handler around a new app; `settings` and `overrides` as for `create_app`."""
    from apig_wsgi import make_lambda_handler

    from . import create_app

    # Binary support on for REST APIs too, so a stored photo (image/*) goes back base64 as API Gateway expects.
    return make_lambda_handler(create_app(settings, **overrides), binary_support=True)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function Lambda calls (`sightline.api.lambda_handler.handler`); settings from SIGHTLINE_* variables."""
    global _handler
    if _handler is None:
        _handler = build_handler()
    return _handler(event, context)
