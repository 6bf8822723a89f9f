"""The blueprint class every API resource uses: its schemas parse requests and answer bad ones with 400."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

import flask_smorest
from flask import request
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from .errors import ApiError
from .schemas.errors import ErrorOut


def _describe(messages: object, prefix: str = "") -> list[str]:
    """webargs' nested {location: {field: [message]}} -> ["field: message", ...]."""
    if isinstance(messages, dict):
        lines = []
        for key, value in messages.items():
            name = key if key not in FlaskParser.__location_map__ else ""
            lines += _describe(value, f"{prefix}.{name}" if prefix and name else prefix or str(name))
        return lines
    if isinstance(messages, list | tuple):
        return [f"{prefix}: {message}" if prefix else str(message) for message in messages]
    return [f"{prefix}: {messages}"]


def _refuse_repeated(values: MultiDict) -> None:
    """Every parameter takes one value (lists are comma-separated): a repeated one is refused, not half-used."""
    for name, given in values.lists():
        if len(given) > 1:
            raise ApiError(
                400, "repeated_parameter", f"the parameter {name!r} is given {len(given)} times; give it once"
            )


def _refuse_nul(value: object, name: str = "body") -> None:
    """No stored name holds a NUL character, and PostgreSQL refuses one in a query: a clear 400 instead."""
    pending = [(name, value)]
    while pending:  # a loop, not recursion: the JSON may nest as deep as the parser allows
        where, item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            raise ApiError(400, "bad_parameter", f"{where} contains a NUL character")
        if isinstance(item, dict):
            pending += [(f"{where}.{key}", child) for key, child in item.items()]
            pending += [(f"a key in {where}", key) for key in item]
        elif isinstance(item, list):
            pending += [(f"{where}[{index}]", child) for index, child in enumerate(item)]


def not_an_upload() -> ApiError:
    kind = request.mimetype or "no content type"
    return ApiError(
        415,
        "unsupported_media_type",
        f"the request is {kind}; send the photo as multipart/form-data field 'image' or as an image/* body",
    )


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400

    def load_querystring(self, req, schema):
        # In a multipart upload the parameters may also come as form fields, under the same names.
        values = CombinedMultiDict([req.args, req.form]) if req.mimetype == "multipart/form-data" else req.args
        _refuse_repeated(values)
        for name, value in values.items():
            _refuse_nul(value, f"the parameter {name!r}")
        return self._makeproxy(values, schema)

    def load_json(self, req, schema):
        try:
            body = super().load_json(req, schema)
        except RecursionError:
            raise ApiError(400, "bad_parameter", "the JSON body is nested too deeply") from None
        _refuse_nul(body)
        return body

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        photos = error.messages.get("files", {}).get("image")
        if photos and req.mimetype != "multipart/form-data":
            raise not_an_upload()
        if photos:  # no photo sent: the one refusal a file field has
            raise ApiError(400, "missing_image", photos[0])
        raise ApiError(400, "bad_parameter", "; ".join(_describe(error.messages)))


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _Parser()

    def errors(self, *statuses: int) -> Callable:
        """Document that a view answers these statuses, each with the one error body."""

        def document(view: Callable) -> Callable:
            for status in statuses:
                view = self.alt_response(status, schema=ErrorOut, description=HTTPStatus(status).phrase)(view)
            return view

        return document
