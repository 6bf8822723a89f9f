"""/api/v1/models: the models a server can use, and the default one."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...detection.registry import MODEL_FORMATS
from .fields import from_server
from .pages import page_of


class ModelRefOut(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)


class ModelOut(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    architecture = fields.String(required=True)
    description = fields.String(required=True)
    classes = fields.List(fields.String(), required=True, metadata={"description": "index = class_id"})
    input_size = fields.List(
        fields.Integer(),
        required=True,
        allow_none=True,
        metadata={"description": "[width, height] of the model input; null when the model takes any size"},
    )
    license = fields.String(required=True)
    source = fields.String(required=True)
    published_accuracy = fields.String(required=True)
    builtin = fields.Boolean(required=True)
    format = fields.String(
        required=True,
        validate=validate.OneOf(MODEL_FORMATS),
        metadata={
            "description": "where the model comes from: shipped, a torchvision state dict, an ONNX file, "
            "a transformers checkpoint, or an ensemble of other models"
        },
    )
    members = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "an ensemble's member models, whose boxes it fuses; empty for a single model"},
    )
    loaded = fields.Boolean(required=True, metadata={"description": "loaded in the worker that answered"})
    default = fields.Boolean(required=True)


ModelPageOut = page_of(ModelOut)


class DefaultModelIn(Schema):
    model = from_server(
        fields.String(required=True, metadata={"description": "name of the model to use when none is named"}),
        enum="models",
    )
