"""The one error body every failure has: `{"error": {"code", "message", "request_id"}}`."""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorBodyOut(Schema):
    code = fields.String(required=True, metadata={"description": "stable machine-readable code, e.g. unknown_model"})
    message = fields.String(required=True, metadata={"description": "what went wrong, for people"})
    request_id = fields.String(required=True, allow_none=True, metadata={"description": "also in X-Request-ID"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorBodyOut, required=True)
