"""/api/v1/datasets: the datasets to evaluate on, importing one from a zip archive, exporting one as a zip."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ...evaluation.formats import FORMATS
from .pages import page_of

_FORMAT_NAMES = (
    "`coco` (annotations.json + images/), `yolo` (data.yaml + images/ + labels/), `voc` (Annotations/ + JPEGImages/)"
)


class DatasetOut(Schema):
    name = fields.String(required=True)
    images = fields.Integer(required=True)


DatasetPageOut = page_of(DatasetOut)


class DatasetImportQueryIn(Schema):
    name = fields.String(
        # No stored name holds a NUL character (`parsing._refuse_nul`).
        validate=[validate.Length(1, 100), validate.Regexp(r"^[^\x00]*$")],
        metadata={"description": "the new dataset's name (default: the archive's file name without .zip)"},
    )
    format = fields.String(
        validate=validate.OneOf(FORMATS),
        metadata={"description": f"the archive's format, {_FORMAT_NAMES}; detected from its files when absent"},
    )


class DatasetArchiveIn(Schema):
    archive = Upload(metadata={"description": "the dataset as a zip archive"})


class DatasetImportOut(Schema):
    name = fields.String(required=True)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    images = fields.Integer(required=True)
    boxes = fields.Integer(required=True, metadata={"description": "every box, crowd regions included"})
    crowd_regions = fields.Integer(required=True)


class DatasetExportQueryIn(Schema):
    format = fields.String(
        load_default="coco", validate=validate.OneOf(FORMATS), metadata={"description": _FORMAT_NAMES}
    )
