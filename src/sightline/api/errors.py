"""The one JSON error body every failure gets: `{"error": {"code", "message", "request_id"}}`."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..detection.images import ImageError
from ..detection.registry import ModelLoadError
from ..server.memory import ServerBusyError
from ..storage import crud
from ..storage.files import ImageStoreError
from ..storage.service import DatabaseUnavailableError

log = logging.getLogger("sightline.api")

# Stable codes for errors Werkzeug raises itself (routing, body limit, ...).
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}

# `load_image`'s reasons -> (status, code). A file that is no image at all is refused like a wrong
# content type; one that is an image but cannot be used is unprocessable.
_IMAGE_ERRORS = {
    "not_an_image": (415, "not_an_image"),
    "unsupported_format": (415, "unsupported_format"),
    "undecodable": (422, "undecodable_image"),
    "too_large": (422, "image_too_large"),
}


class ApiError(Exception):
    """An expected failure with its HTTP status, a stable machine-readable code and a message for people."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after  # seconds, for a 503 the client may retry


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "request_id": g.get("request_id")}})
    response.status_code = status
    g.error_code = code
    return response


def _api_error(error: ApiError) -> Response:
    response = error_response(error.status, error.code, error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    message = _too_large_message() if status == 413 else error.description or HTTPStatus(status).phrase
    response = error_response(status, _HTTP_CODES.get(status, HTTPStatus(status).name.lower()), message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _too_large_message() -> str:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    length = request.content_length
    if request.mimetype == "multipart/form-data" and length is not None and length <= limit:
        # Werkzeug refuses a form within the body limit for its parts, with the same exception.
        parts, field_bytes = request.max_form_parts, request.max_form_memory_size
        return (
            f"the form has too many fields (more than {parts} fields and files) or a text field over "
            f"{field_bytes / 1e3:g} KB; send the photo as a file field 'image' and only the documented parameters"
        )
    return f"the request body is larger than the limit of {limit / 1e6:g} MB"


def _image_error(error: ImageError) -> Response:
    status, code = _IMAGE_ERRORS.get(error.reason, (422, "undecodable_image"))
    return error_response(status, code, str(error))


def _model_load_error(error: ModelLoadError) -> Response:
    # The detail names server paths: it goes to the log; the client learns which file and the fix.
    log.error("model unavailable: %s", error)
    return error_response(503, "model_unavailable", error.summary)


def _server_busy(error: ServerBusyError) -> Response:
    return _api_error(ApiError(503, "server_busy", str(error), retry_after=error.retry_after))


def _image_store_error(error: ImageStoreError) -> Response:
    # A bucket that is gone or a role without access is no bug and not the client's doing: the service is
    # unavailable until the operator fixes it. The detail names the bucket: it goes to the log, not to clients.
    log.error("image store unavailable: %s", error)
    what = error.reason or "the photo store cannot be used on this server"
    return error_response(
        503, "image_store_unavailable", f"{what}: nothing was stored (detection without storing works); see the log"
    )


def _database_unavailable(error: DatabaseUnavailableError) -> Response:
    log.error("database unavailable: %s", error)
    return error_response(503, "database_unavailable", f"storing is unavailable: {error}")


def _conflict(error: IntegrityError) -> Response:
    # Another request changed the same rows at the same moment (deleted the photo a feedback is
    # for, say): nothing was stored, and trying again gives the answer for the new state.
    log.warning("request %s conflicted with a concurrent change: %s", g.get("request_id"), error.orig)
    return error_response(
        409, "conflict", "another request changed the same stored data at the same time; nothing was stored, try again"
    )


def _unexpected_error(error: Exception) -> Response:
    log.error("unhandled error in request %s", g.get("request_id"), exc_info=error)
    return error_response(
        500, "internal_error", "internal server error; the request id identifies it in the server log"
    )


def not_found(error: crud.NotFoundError) -> ApiError:
    return ApiError(404, f"unknown_{error.what.replace(' ', '_')}", str(error))


def input_error(error: crud.InputError) -> ApiError:
    return ApiError(422 if error.code in ("box_outside_image", "unknown_label") else 400, error.code, str(error))


def _drain_unread_body(response: Response) -> Response:
    """Read what is left of a request body the view refused before reading it (a bad parameter,
    an unknown model): gunicorn drains at most 64 KB of it itself and otherwise closes the
    connection, after a response that promised keep-alive, so the client's next request on it fails."""
    length = request.content_length
    if length and length <= current_app.config["MAX_CONTENT_LENGTH"]:
        while request.stream.read(1 << 16):
            pass
    return response


def init_app(app: Flask) -> None:
    app.after_request(_drain_unread_body)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ImageError, _image_error)
    app.register_error_handler(ModelLoadError, _model_load_error)
    app.register_error_handler(ServerBusyError, _server_busy)
    app.register_error_handler(ImageStoreError, _image_store_error)
    # Storage refusals raised in any view; a view catches them only to add context to the message.
    app.register_error_handler(crud.NotFoundError, lambda error: _api_error(not_found(error)))
    app.register_error_handler(crud.InputError, lambda error: _api_error(input_error(error)))
    app.register_error_handler(DatabaseUnavailableError, _database_unavailable)
    app.register_error_handler(IntegrityError, _conflict)
    app.register_error_handler(Exception, _unexpected_error)
