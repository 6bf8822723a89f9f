"""Responses go out in the shape the OpenAPI document gives them; request defaults and ranges are stated once."""

from __future__ import annotations

from sightline.api.schemas.detect import DetectionOut
from sightline.cli import build_parser
from sightline.detection.options import MAX_DETECTIONS_RANGE, THRESHOLD_RANGE, DetectOptions


def test_detections_go_out_exactly_as_their_schema_documents_them(client, photos):
    # The page's threshold: many boxes, so every kind of value is there.
    response = client.post("/api/v1/detect?score_threshold=0.05", data=photos["dog"], content_type="image/jpeg")
    items = response.get_json()["detections"]
    schema = DetectionOut(many=True)

    assert response.status_code == 200 and len(items) > 10
    assert schema.validate(items) == {}
    assert schema.dump(items) == items  # no key the schema leaves out, none it has that is missing


def test_every_list_has_the_one_page_shape(client):
    document = client.get("/api/v1/openapi.json").get_json()
    pages = {name: shape for name, shape in document["components"]["schemas"].items() if name.endswith("PageOut")}

    assert {"ModelPageOut", "ImagePageOut", "EvaluationPageOut", "DatasetPageOut"} <= set(pages)
    for shape in pages.values():
        assert {"items", "total"} <= set(shape["required"])
    for path in ("/api/v1/models", "/api/v1/images", "/api/v1/evaluations", "/api/v1/datasets"):
        page = client.get(path).get_json()
        assert len(page["items"]) <= page["total"], path


def test_detection_defaults_and_ranges_are_the_same_in_the_document_and_the_command_line(client):
    document = client.get("/api/v1/openapi.json").get_json()
    detect = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/detect"]["post"]["parameters"]}
    rerun = document["components"]["schemas"]["RerunIn"]["properties"]
    command_line = build_parser().parse_args(["detect", "photo.jpg"])
    defaults = DetectOptions()

    assert detect["iou_threshold"]["default"] == rerun["iou_threshold"]["default"] == defaults.iou_threshold
    assert detect["max_detections"]["default"] == rerun["max_detections"]["default"] == defaults.max_detections
    assert rerun["score_threshold"]["default"] == defaults.score_threshold
    assert (detect["max_detections"]["minimum"], detect["max_detections"]["maximum"]) == MAX_DETECTIONS_RANGE
    for schema in (detect["score_threshold"], detect["iou_threshold"], rerun["score_threshold"]):
        assert (schema["minimum"], schema["maximum"]) == THRESHOLD_RANGE
    assert (command_line.score_threshold, command_line.iou_threshold, command_line.max_detections) == (
        defaults.score_threshold,
        defaults.iou_threshold,
        defaults.max_detections,
    )
