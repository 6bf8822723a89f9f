"""The OpenAPI document as served: the schemas' document with what this server knows filled in.

The schemas mark the fields whose values depend on the server (`schemas.fields.from_server`): the
model names, the class names they detect, the batch limit. Each request for the document gets the
registry's current models, so a model added to the models file appears without a restart.
"""

from __future__ import annotations

import copy

from flask import current_app

from ..service import current_service
from .schemas.fields import FROM_SERVER


def server_values() -> dict[str, object]:
    specs = current_service().registry.specs
    classes = sorted({name for spec in specs for name in spec.categories})
    return {
        "models": [spec.name for spec in specs],
        "classes": classes,
        "max_batch_images": current_app.extensions["sightline.settings"].max_batch_images,
    }


def served_document(document: dict) -> dict:
    """A copy of `document` with every field marked `from_server` given its values, and the marks gone."""
    values = server_values()
    document = copy.deepcopy(document)
    pending: list = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for keyword, source in node.pop(FROM_SERVER, {}).items():
                node[keyword] = values[source]
            pending += node.values()
        elif isinstance(node, list):
            pending += node
    return document
