"""The HTTP API: `create_app` builds the Flask application that serves detections under /api/v1."""

from __future__ import annotations

import dataclasses
import io

from flask import Flask, Request, jsonify

from ..config import Settings
from .multipart import FileFieldsFormParser

API_DESCRIPTION = """\
Self-hosted object detection. Send a photo, get back labelled boxes in the photo's own pixels.

Uploads use POST: an early design had the web page send the photo with GET, but a browser cannot
send a request body with GET. Every error has the same body, `{"error": {"code", "message",
"request_id"}}`; send `X-Request-ID` to choose the id, or read the generated one from the response.
"""


class _Request(Request):
    form_data_parser_class = FileFieldsFormParser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        # Uploads stay in memory, bounded by the body limit: nothing a client sends is written to disk.
        return io.BytesIO()


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """The application; `settings` default to the SIGHTLINE_* environment, `overrides` replace fields."""
    from flask_cors import CORS

    from ..service import DetectionService
    from ..storage.service import Storage
    from . import auth, docs, errors, headers, lifecycle, logging, web
    from .metrics import Metrics

    if settings is None:
        settings = Settings.from_env(**overrides)
    elif overrides:
        settings = dataclasses.replace(settings, **overrides)
    logging.configure_logging(settings)

    app = Flask(__name__)
    app.request_class = _Request
    app.json.sort_keys = False
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes)
    app.extensions["sightline.settings"] = settings

    logging.init_app(app)  # first: every later hook and handler has the request id and start time
    auth.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    metrics = Metrics()
    metrics.init_app(app)
    storage = Storage.open(settings.database_url, settings.images_dir, settings.images_url)
    service = DetectionService(settings, storage=storage, on_pass=metrics.observe_pass)
    service.init_app(app)
    lifecycle.init_app(app, storage, service)

    _register_resources(app, settings)
    app.register_blueprint(docs.bp)
    app.register_blueprint(web.bp)
    if settings.cors_origins:
        CORS(
            app,
            resources={r"/api/*": {"origins": list(settings.cors_origins)}},
            allow_headers=["Content-Type", auth.API_KEY_HEADER, auth.ADMIN_KEY_HEADER, logging.REQUEST_ID_HEADER],
            expose_headers=[logging.REQUEST_ID_HEADER],
        )
    service.warm_up()
    return app


def _register_resources(app: Flask, settings: Settings):
    """One blueprint per resource under /api/v1, and the OpenAPI document that describes them."""
    from flask_smorest import Api

    from . import auth, datasets, detect, docs, evaluations, feedback, health, images, models, review_queue, stats
    from .openapi import served_document
    from .schemas.errors import ErrorOut

    class _Api(Api):
        ERROR_SCHEMA = ErrorOut

        def _register_error_handlers(self) -> None:  # errors.init_app gives every error the one body
            pass

        def _openapi_json(self):
            return jsonify(served_document(self.spec.to_dict()))

    app.config.update(
        API_TITLE="Sightline",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=docs.ASSETS_URL,
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION},
            "components": {
                "securitySchemes": {
                    "ApiKey": {"type": "apiKey", "in": "header", "name": auth.API_KEY_HEADER},
                    "AdminKey": {"type": "apiKey", "in": "header", "name": auth.ADMIN_KEY_HEADER},
                }
            },
            **({"security": [{"ApiKey": []}]} if settings.api_keys else {}),
        },
    )
    api = _Api(app)
    for resource in (detect, models, health, images, feedback, review_queue, evaluations, datasets, stats):
        api.register_blueprint(resource.bp)
    return api


def openapi_document() -> dict:
    """The API's OpenAPI document as a client sees it, built without loading models or opening storage.

    From the default settings, not the environment: the same checkout always gives the same document.
    """
    app = Flask(__name__)
    return _register_resources(app, Settings()).spec.to_dict()
