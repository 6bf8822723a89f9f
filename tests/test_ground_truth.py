"""A reviewed photo's ground truth is what its reviewer judged and drew, nothing else, on SQLite and PostgreSQL.

The page asks for every candidate scoring at least 0.05 and keeps them all with the photo; the
reviewer sees and judges only those above the slider. Export, evaluation, stats and History's
class filter must all count the judged and drawn boxes only.
"""

from __future__ import annotations

import io
import json
import time

import pytest

from sightline.evaluation import coco
from sightline.evaluation.datasets import load_dataset
from sightline.evaluation.provenance import lopsided_warning, provenance
from sightline.storage.service import Storage
from sightline.storage.truth import DRAWN, IMPORTED

# What the Detect page sends, and its review slider's default.
PAGE_PARAMS = {"score_threshold": "0.05", "max_detections": "100"}
SHOWN_SCORE = 0.3
DRAWN_CAT = {"label": "cat", "box": {"x1": 10, "y1": 10, "x2": 120, "y2": 110}}


@pytest.fixture
def make_client(make_lifecycle_app):
    return lambda: make_lifecycle_app().test_client()


def keep(client, photo: bytes) -> dict:
    response = client.post("/api/v1/images", query_string=PAGE_PARAMS, data={"image": (io.BytesIO(photo), "dog.jpg")})
    assert response.status_code == 201, response.json
    return response.json


def judge_shown_boxes(client, record: dict) -> tuple[list[dict], dict]:
    """Judge every box the page shows at its default slider, draw one missed object, save and mark reviewed.

    Returns the shown detections and the save's response."""
    shown = [d for d in record["predictions"][0]["detections"] if d["score"] >= SHOWN_SCORE]
    verdicts = []
    for number, detection in enumerate(shown):
        if number == 1:
            verdicts.append({"detection_id": detection["id"], "verdict": "not_an_object"})
        elif number == 2:
            verdicts.append({"detection_id": detection["id"], "verdict": "wrong_label", "label": "horse"})
        else:
            verdicts.append({"detection_id": detection["id"], "verdict": "correct"})
    response = client.post(
        f"/api/v1/images/{record['id']}/feedback",
        json={"detections": verdicts, "missed": [DRAWN_CAT], "reviewed": True, "score_threshold": SHOWN_SCORE},
    )
    assert response.status_code == 200, response.json
    return shown, response.json


def test_export_holds_exactly_the_judged_and_drawn_boxes(make_client, photos, storage: Storage, tmp_path) -> None:
    client = make_client()
    record = keep(client, photos["dog"])
    candidates = record["predictions"][0]["detections"]
    shown, saved = judge_shown_boxes(client, record)
    assert len(candidates) == 100 and len(shown) == 7
    assert saved["review_score_threshold"] == SHOWN_SCORE

    with storage.sessions() as session:
        dataset = load_dataset(session=session)
    coco.export_dataset(dataset, storage.images, tmp_path / "out", "test")
    exported = json.loads((tmp_path / "out" / coco.ANNOTATIONS_FILE).read_text())

    names = {category["id"]: category["name"] for category in exported["categories"]}
    labels = sorted(names[a["category_id"]] for a in exported["annotations"])
    expected = [d["label"] for number, d in enumerate(shown) if number not in (1, 2)] + ["horse", "cat"]
    assert labels == sorted(expected)
    assert len(exported["annotations"]) == 7


def test_history_class_filter_matches_only_what_the_photo_shows(make_client, photos) -> None:
    client = make_client()
    record = keep(client, photos["dog"])
    candidates = record["predictions"][0]["detections"]
    shown_labels = {d["label"] for d in candidates if d["score"] >= SHOWN_SCORE}
    hidden_only = sorted({d["label"] for d in candidates} - shown_labels)
    assert hidden_only, "the dog photo has low-score candidates of classes it does not show"

    def found(label: str) -> int:
        return client.get("/api/v1/images", query_string={"label": label}).json["total"]

    assert [found(label) for label in hidden_only] == [0] * len(hidden_only)
    assert all(found(label) == 1 for label in shown_labels)

    shown, _ = judge_shown_boxes(client, record)
    rejected = shown[1]["label"]
    still_named = {d["label"] for number, d in enumerate(shown) if number not in (1, 2)} | {"horse", "cat"}
    assert all(found(label) == 1 for label in still_named)
    if rejected not in still_named:
        assert found(rejected) == 0


def test_a_box_below_the_shown_score_cannot_be_confirmed_unseen(make_client, photos) -> None:
    client = make_client()
    record = keep(client, photos["dog"])
    hidden = next(d for d in record["predictions"][0]["detections"] if d["score"] < SHOWN_SCORE)

    response = client.post(
        f"/api/v1/images/{record['id']}/feedback",
        json={
            "detections": [{"detection_id": hidden["id"], "verdict": "correct"}],
            "reviewed": True,
            "score_threshold": SHOWN_SCORE,
        },
    )

    assert response.status_code == 422
    assert response.json["error"]["code"] == "below_shown_score"
    assert f"detection {hidden['id']}" in response.json["error"]["message"]
    after = client.get(f"/api/v1/images/{record['id']}").json
    assert after["review_state"] == "unreviewed" and after["review_score_threshold"] is None
    assert all(d["feedback"] is None for d in after["predictions"][0]["detections"])


def test_stats_count_the_ground_truth_by_source(make_client, photos) -> None:
    client = make_client()
    judge_shown_boxes(client, keep(client, photos["dog"]))

    truth = client.get("/api/v1/stats").json["ground_truth"]

    assert truth == {"boxes": 7, "by_source": {"drawn": 1, "nanodet": 6}}


def wait_for(client, evaluation_id: int) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = client.get(f"/api/v1/evaluations/{evaluation_id}").json
        if record["status"] in ("done", "failed"):
            return record
        time.sleep(0.1)
    raise AssertionError(f"evaluation {evaluation_id} did not finish: {record}")


def test_an_evaluation_on_photos_seeded_by_one_model_reports_where_its_truth_came_from(make_client, photos) -> None:
    client = make_client()
    judge_shown_boxes(client, keep(client, photos["dog"]))

    started = client.post("/api/v1/evaluations", json={"models": ["nanodet", "centernet"]})
    assert started.status_code == 202, started.json
    record = wait_for(client, started.json["id"])

    assert record["status"] == "done", record["error"]
    by_model = {result["model"]: result["provenance"] for result in record["results"]}
    assert by_model == {
        "nanodet": {"own_predictions": 6, "other_models": 0, "drawn": 1, "imported": 0, "total": 7},
        "centernet": {"own_predictions": 0, "other_models": 6, "drawn": 1, "imported": 0, "total": 7},
    }
    warning = record["provenance_warning"]
    assert "86% of the truth boxes are nanodet's own predictions" in warning and "favours nanodet" in warning
    assert "imported dataset" in warning
    listed = client.get("/api/v1/evaluations").json["items"][0]
    assert listed["provenance_warning"] == warning


def test_truth_from_an_import_or_drawn_by_hand_is_no_one_s_own() -> None:
    imported = {model: provenance({IMPORTED: 36}, model) for model in ("nanodet", "centernet")}
    drawn = {model: provenance({DRAWN: 12}, model) for model in ("nanodet", "centernet")}
    even = {model: provenance({"nanodet": 5, "centernet": 4, DRAWN: 1}, model) for model in ("nanodet", "centernet")}

    assert imported["nanodet"] == {"own_predictions": 0, "other_models": 0, "drawn": 0, "imported": 36, "total": 36}
    assert lopsided_warning(imported) is None and lopsided_warning(drawn) is None and lopsided_warning(even) is None
    assert "flattering" in lopsided_warning({"nanodet": provenance({"nanodet": 6, DRAWN: 1}, "nanodet")})
