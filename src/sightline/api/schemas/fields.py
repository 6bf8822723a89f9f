"""Fields the resource schemas share: boxes, rounded numbers, values derived from a record, names without NUL."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from marshmallow import Schema, fields, missing, validate

BOX_KEYS = ("x1", "y1", "x2", "y2")
_Field = TypeVar("_Field", bound=fields.Field)


class BoxIn(Schema):
    x1 = fields.Float(required=True)
    y1 = fields.Float(required=True)
    x2 = fields.Float(required=True)
    y2 = fields.Float(required=True)


class BoxOut(BoxIn):
    """The same box, sent; a schema of its own so that the page's types keep the two apart."""


class Box(fields.Nested):
    """A stored box, held as an (x1, y1, x2, y2) tuple, sent and documented as a `BoxOut` object."""

    def __init__(self, **kwargs) -> None:
        super().__init__(BoxOut, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else dict(zip(BOX_KEYS, value, strict=True))


class Rounded(fields.Float):
    """A float sent rounded to `decimals` places."""

    def __init__(self, decimals: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.decimals = decimals

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(float(value), self.decimals)


def derived(field: _Field, value: Callable[[Any], Any]) -> _Field:
    """`field`, documented and formatted as it is, holding `value(record)` instead of one of its attributes."""
    field.get_value = lambda obj, attr, accessor=None, default=missing: value(obj)
    return field


def value_of(enum: type[Enum], **kwargs) -> fields.Enum:
    """A member of `enum`, sent and documented as its string value."""
    return fields.Enum(enum, by_value=True, metadata={"type": "string"}, **kwargs)


# What a running server knows and a schema cannot: the models it has, the classes they detect, its
# limits. A field marked with `from_server` has those values put into the served OpenAPI document
# (`api/openapi.py`), under the given keywords ("enum", "maxItems", ...).
FROM_SERVER = "x-from-server"


def from_server(field: _Field, **keywords: str) -> _Field:
    """`field`, documented with each keyword's value taken from the server: `enum="models"`."""
    field.metadata = {**field.metadata, FROM_SERVER: keywords}
    return field


def no_nul(**kwargs) -> fields.String:
    """A free-form name: any text without a NUL character, which no stored name holds (`parsing._refuse_nul`)."""
    return fields.String(validate=validate.Regexp(r"^[^\x00]*$"), **kwargs)
