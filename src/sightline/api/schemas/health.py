"""Probe answers: /healthz and /readyz."""

from __future__ import annotations

from marshmallow import Schema, fields


class StatusOut(Schema):
    status = fields.String(required=True)
    model = fields.String(metadata={"description": "the default model"})
