"""The one page shape, `{"items": [...], "total": N}`, of every list the API answers with."""

from __future__ import annotations

from marshmallow import Schema, fields


def page_of(item: type[Schema] | Schema, name: str | None = None, **more: fields.Field) -> type[Schema]:
    """`name` (default `<Item>PageOut`): a page of `item` records; `more` adds fields (an image page's
    `page`, `per_page`). The view returns any object or mapping with `items` and `total`.
    """
    name = name or (item if isinstance(item, type) else type(item)).__name__.removesuffix("Out") + "PageOut"
    declared = {
        "items": fields.List(fields.Nested(item), required=True),
        "total": fields.Integer(required=True),
        **more,
    }
    return type(name, (Schema,), declared)
