"""The built-in ensemble and the agnostic_nms / tta_flip options through the API, with the real models."""

from __future__ import annotations

import io

import numpy as np
import pytest
import requests

from sightline.detection.categories import COCO_80
from sightline.detection.detections import Detections
from sightline.detection.images import load_image
from sightline.detection.options import DetectOptions
from test_api_lifecycle import ADMIN, upload, wait_for
from test_ensemble import overlapping_label_pairs


def detect(client, photo: bytes, query: str = ""):
    return client.post(f"/api/v1/detect{query}", data=photo, content_type="image/jpeg")


def labels_of(response) -> list[str]:
    return [item["label"] for item in response.get_json()["detections"]]


def sent_detections(response) -> Detections:
    items = response.get_json()["detections"]
    return Detections.from_arrays(
        np.array([[item["box"][side] for side in ("x1", "y1", "x2", "y2")] for item in items]),
        np.array([item["score"] for item in items]),
        np.array([item["class_id"] for item in items]),
        COCO_80,
    )


def test_the_ensemble_is_listed_with_its_members(client):
    models = {item["name"]: item for item in client.get("/api/v1/models").get_json()["items"]}

    ensemble = models["nanodet+centernet"]
    assert ensemble["members"] == ["nanodet", "centernet"] and models["nanodet"]["members"] == []
    assert ensemble["classes"] == models["nanodet"]["classes"] and ensemble["architecture"] == "ensemble"
    assert client.get("/api/v1/models/nanodet+centernet").get_json()["members"] == ["nanodet", "centernet"]


@pytest.mark.parametrize("query", ["?model=nanodet%2Bcenternet", "?model=nanodet+centernet"])
def test_the_ensemble_serves_the_fused_boxes_the_engine_finds(client, photos, registry, query):
    response = detect(client, photos["dog"], query + "&score_threshold=0.05")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["model"]["name"] == "nanodet+centernet"
    expected = registry.get("nanodet+centernet").detect([load_image(photos["dog"])], DetectOptions(0.05))[0]
    assert labels_of(response) == list(expected.labels)
    assert [item["score"] for item in body["detections"]] == pytest.approx(expected.scores.tolist(), abs=2e-3)


def test_agnostic_nms_in_the_query_leaves_one_label_on_the_dog(client, photos):
    plain = detect(client, photos["dog"])
    agnostic = detect(client, photos["dog"], "?agnostic_nms=true")

    assert {"dog", "cat"} <= set(labels_of(plain))
    assert "dog" in labels_of(agnostic) and "cat" not in labels_of(agnostic)
    assert labels_of(agnostic).count("dog") == 1


def test_options_may_be_form_fields_of_the_upload(client, photos, registry):
    response = client.post(
        "/api/v1/detect",
        data={
            "image": (io.BytesIO(photos["dog"]), "dog.jpg", "image/jpeg"),
            "agnostic_nms": "true",
            "tta_flip": "true",
            "score_threshold": "0.05",
        },
    )

    assert response.status_code == 200
    options = DetectOptions(score_threshold=0.05, agnostic_nms=True, tta_flip=True)
    expected = registry.get("nanodet").detect([load_image(photos["dog"])], options)[0]
    assert labels_of(response) == list(expected.labels)
    assert overlapping_label_pairs(sent_detections(response)) == []


def test_tta_flip_runs_a_second_mirrored_pass(client, photos, registry):
    plain = detect(client, photos["dog"], "?model=centernet").get_json()
    flipped = detect(client, photos["dog"], "?model=centernet&tta_flip=true").get_json()

    expected = registry.get("centernet").detect([load_image(photos["dog"])], DetectOptions(tta_flip=True))[0]
    assert [item["label"] for item in flipped["detections"]] == list(expected.labels)
    assert [item["score"] for item in flipped["detections"]] != [item["score"] for item in plain["detections"]]


@pytest.mark.parametrize("query", ["?agnostic_nms=maybe", "?tta_flip=2"])
def test_a_bad_option_value_is_refused_naming_it(client, photos, query):
    response = detect(client, photos["dog"], query)

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_parameter" and query[1:].split("=")[0] in error["message"]


def test_the_options_are_documented_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"] for p in document["paths"]["/api/v1/detect"]["post"]["parameters"]}

    assert {"agnostic_nms", "tta_flip"} <= parameters


def test_a_served_ensemble_request_counts_each_members_pass(server, photos):
    def passes(model: str) -> float:
        metrics = requests.get(f"{server.url}/metrics", timeout=10).text
        prefix = f'sightline_inference_duration_seconds_count{{model="{model}"}}'
        return sum(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(prefix))

    before = {model: passes(model) for model in ("nanodet", "centernet", "nanodet+centernet")}
    response = requests.post(
        f"{server.url}/api/v1/detect",
        params={"model": "nanodet+centernet", "tta_flip": "true"},
        data=photos["dog"],
        headers={"Content-Type": "image/jpeg"},
        timeout=60,
    )

    assert response.status_code == 200 and response.json()["model"]["name"] == "nanodet+centernet"
    assert "dog" in [item["label"] for item in response.json()["detections"]]
    # One request: two passes of each member (the photo and its mirror image), one ensemble inference.
    assert passes("nanodet") - before["nanodet"] == 2
    assert passes("centernet") - before["centernet"] == 2
    assert passes("nanodet+centernet") - before["nanodet+centernet"] == 1


def test_the_ensemble_is_evaluated_beside_nanodet_and_promoted_like_any_model(make_lifecycle_app, photos):
    client = make_lifecycle_app().test_client()
    for name in ("dog", "horses"):
        stored = upload(client, photos[name])
        client.put(f"/api/v1/images/{stored.json['id']}/review", json={"reviewed": True})

    started = client.post("/api/v1/evaluations", json={"models": ["nanodet", "nanodet+centernet"]})
    finished = wait_for(client, started.json["id"])

    assert finished["status"] == "done", finished["error"]
    results = {result["model"]: result for result in finished["results"]}
    for result in results.values():
        assert result["latency_p50_ms"] > 0 and result["memory_mb"] > 20
    assert results["nanodet+centernet"]["memory_mb"] > results["nanodet"]["memory_mb"]
    rows = {row["metric"]: row for row in finished["comparison"]}
    assert rows["memory_mb"]["best"] == "nanodet" and set(rows["latency_p50_ms"]["values"]) == set(results)

    promoted = client.post(
        f"/api/v1/evaluations/{started.json['id']}/promote", json={"model": "nanodet+centernet"}, headers=ADMIN
    )
    assert promoted.status_code == 200
    assert client.get("/api/v1/models/default").json["name"] == "nanodet+centernet"
    assert detect(client, photos["dog"]).get_json()["model"]["name"] == "nanodet+centernet"
    assert make_lifecycle_app().test_client().get("/api/v1/models/default").json["name"] == "nanodet+centernet"
