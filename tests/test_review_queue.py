"""The review queue, on SQLite and PostgreSQL: unreviewed photos first, the most doubtful boxes first, with why.

A box is doubtful when it has no verdict and either scores close to the threshold the reviewer
is shown, or one model found it and another model's prediction on the same photo did not (no box
there of the same label at IoU 0.5).
"""

from __future__ import annotations

import io

import pytest

from sightline.detection.categories import COCO_80
from sightline.storage import crud
from sightline.storage.models import Verdict
from sightline.storage.review_queue import review_queue
from sightline.storage.service import Storage
from test_detections import make_detections
from test_storage import jpeg_bytes, store_photo

DOG = (0, 0, 40, 40)
ELSEWHERE = (40, 0, 60, 40)


def add_prediction(storage: Storage, image_id: int, model: str, rows) -> None:
    with storage.writing() as (session, _):
        crud.add_prediction(
            session=session,
            image=crud.get_image(session=session, image_id=image_id),
            model_name=model,
            model_version="1",
            parameters={"score_threshold": 0.05},
            detections=make_detections(*rows),
            duration_ms=1.0,
        )


def photo(storage: Storage, shade: int, rows, model: str = "nanodet") -> int:
    return store_photo(storage, jpeg_bytes((shade, 40, 40)), model=model, rows=rows)


def judge_first_box(storage: Storage, image_id: int, reviewed: bool = False) -> None:
    with storage.writing() as (session, _):
        image = crud.get_image(session=session, image_id=image_id)
        detection = image.predictions[0].detections[0]
        crud.set_feedback(session=session, detection=detection, verdict=Verdict.CORRECT.value, categories=COCO_80)
        if reviewed:
            crud.set_review_state(session=session, image=image, reviewed=True, score_threshold=0.3)


def queue(storage: Storage, **options):
    with storage.sessions() as session:
        page = review_queue(session=session, **options)
        return page, [(e.image.id, e.near_threshold, e.disagreements, e.disagreeing_models) for e in page.items]


def test_unreviewed_first_then_most_doubtful_then_oldest_with_progress(storage: Storage) -> None:
    reviewed_doubtful = photo(storage, 10, [("dog", 0.31, DOG), ("cat", 0.29, ELSEWHERE), ("dog", 0.9, DOG)])
    judge_first_box(storage, reviewed_doubtful, reviewed=True)
    sure = photo(storage, 20, [("dog", 0.9, DOG), ("cat", 0.05, ELSEWHERE)])
    three_near = photo(
        storage, 30, [("dog", 0.22, DOG), ("cat", 0.35, ELSEWHERE), ("bird", 0.38, DOG), ("dog", 0.95, DOG)]
    )
    disagreeing = photo(storage, 40, [("dog", 0.9, DOG), ("person", 0.8, ELSEWHERE)])
    add_prediction(storage, disagreeing, "centernet", [("dog", 0.85, (2, 0, 40, 40)), ("cat", 0.7, DOG)])
    judged_near = photo(storage, 50, [("dog", 0.33, DOG), ("cat", 0.9, ELSEWHERE)])
    judge_first_box(storage, judged_near)
    with storage.writing() as (session, files):  # imported only: nothing to judge, not in the queue
        crud.add_image(session=session, files=files, data=jpeg_bytes((60, 40, 40)), width=64, height=48)

    page, entries = queue(storage, score_threshold=0.3, margin=0.1)

    assert entries == [
        (three_near, 3, 0, ()),
        (disagreeing, 0, 2, ("centernet", "nanodet")),  # nanodet's person and centernet's cat; the dogs match
        (sure, 0, 0, ()),
        (judged_near, 0, 0, ()),  # its one doubtful box has a verdict now
        (reviewed_doubtful, 1, 0, ()),  # reviewed: last, whatever its doubts
    ]
    assert (page.total, page.reviewed) == (5, 1)


@pytest.mark.parametrize(
    ("other_model", "other_rows", "disagreements"),
    [
        ("centernet", [("dog", 0.8, (4, 0, 44, 40))], 0),  # same label, IoU 0.82: one object
        ("centernet", [("dog", 0.8, (20, 0, 60, 40))], 2),  # IoU 0.33: each model has a dog the other lacks
        ("centernet", [("cat", 0.8, DOG)], 2),  # same place, another label
        ("centernet", [("dog", 0.2, DOG)], 1),  # the other model's dog is below the threshold
        ("nanodet", [("cat", 0.8, DOG)], 0),  # a second prediction of the same model is no second opinion
    ],
)
def test_two_models_disagree_when_a_box_has_no_match_of_the_same_label_at_iou_half(
    storage: Storage, other_model: str, other_rows, disagreements: int
) -> None:
    image_id = photo(storage, 10, [("dog", 0.9, DOG)])
    add_prediction(storage, image_id, other_model, other_rows)

    _, entries = queue(storage, score_threshold=0.3)

    assert [e[2] for e in entries] == [disagreements]


def test_the_threshold_and_margin_decide_what_is_near(storage: Storage) -> None:
    image_id = photo(storage, 10, [("dog", 0.52, DOG), ("cat", 0.62, ELSEWHERE), ("dog", 0.31, DOG)])

    assert queue(storage, score_threshold=0.3)[1] == [(image_id, 1, 0, ())]
    assert queue(storage, score_threshold=0.55, margin=0.05)[1] == [(image_id, 1, 0, ())]
    assert queue(storage, score_threshold=0.55, margin=0.1)[1] == [(image_id, 2, 0, ())]
    assert queue(storage, score_threshold=0.55, margin=0.0)[1] == [(image_id, 0, 0, ())]


def test_pages_of_the_queue_cover_every_kept_photo_once(storage: Storage) -> None:
    ids = [photo(storage, shade, [("dog", 0.9, DOG)]) for shade in (10, 20, 30, 40, 50)]

    pages = [queue(storage, page=number, per_page=2) for number in (1, 2, 3, 4)]

    assert [[e[0] for e in entries] for _, entries in pages] == [ids[0:2], ids[2:4], ids[4:], []]
    assert {(page.total, page.reviewed) for page, _ in pages} == {(5, 0)}


@pytest.mark.parametrize(
    ("options", "code", "named"),
    [
        ({"score_threshold": 1.5}, "bad_parameter", "score_threshold"),
        ({"margin": -0.1}, "bad_parameter", "margin"),
        ({"per_page": 0}, "bad_paging", "per_page"),
        ({"page": 0}, "bad_paging", "page"),
    ],
)
def test_queue_refuses_out_of_range_options(storage: Storage, options: dict, code: str, named: str) -> None:
    with pytest.raises(crud.InputError, match=named) as refused:
        queue(storage, **options)
    assert refused.value.code == code


# Through the API, with photos kept as the Detect page keeps them.

PAGE_PARAMS = {"score_threshold": "0.05", "max_detections": "100"}


@pytest.fixture
def client(make_lifecycle_app):
    return make_lifecycle_app().test_client()


def keep(client, photo_bytes: bytes, name: str) -> dict:
    response = client.post(
        "/api/v1/images", query_string=PAGE_PARAMS, data={"image": (io.BytesIO(photo_bytes), f"{name}.jpg")}
    )
    assert response.status_code == 201, response.json
    return response.json


def test_api_queue_orders_kept_photos_says_why_and_counts_progress(client, photos) -> None:
    dog = keep(client, photos["dog"], "dog")
    horses = keep(client, photos["horses"], "horses")
    rerun = client.post(
        f"/api/v1/images/{horses['id']}/predictions", json={"model": "centernet", "score_threshold": 0.05}
    )
    assert rerun.status_code == 201, rerun.json

    before = client.get("/api/v1/review-queue", query_string={"score_threshold": 0.3})
    assert before.status_code == 200, before.json
    body = before.json
    assert (body["total"], body["reviewed"], body["score_threshold"], body["margin"]) == (2, 0, 0.3, 0.1)
    by_id = {item["image"]["id"]: item for item in body["items"]}
    assert set(by_id) == {dog["id"], horses["id"]}
    near_dog = sum(1 for d in dog["predictions"][0]["detections"] if 0.2 <= d["score"] <= 0.4)
    dog_reasons = {reason["code"]: reason for reason in by_id[dog["id"]]["reasons"]}
    assert dog_reasons["unreviewed"]["message"] == "nobody has reviewed it"
    assert dog_reasons["near_threshold"]["boxes"] == near_dog > 0
    assert "score 0.20 to 0.40, close to the 0.30 shown" in dog_reasons["near_threshold"]["message"]
    horse_reasons = {reason["code"]: reason for reason in by_id[horses["id"]]["reasons"]}
    assert horse_reasons["models_disagree"]["models"] == ["centernet", "nanodet"]
    assert by_id[horses["id"]]["image"]["models"] == ["centernet", "nanodet"]
    doubts = [item["doubtful_boxes"] for item in body["items"]]
    assert doubts == sorted(doubts, reverse=True)
    first = body["items"][0]["image"]["id"]

    shown = [d for d in client.get(f"/api/v1/images/{first}").json["predictions"][0]["detections"] if d["score"] >= 0.3]
    saved = client.post(
        f"/api/v1/images/{first}/feedback",
        json={
            "detections": [{"detection_id": d["id"], "verdict": "correct"} for d in shown],
            "reviewed": True,
            "score_threshold": 0.3,
        },
    )
    assert saved.status_code == 200, saved.json

    after = client.get("/api/v1/review-queue", query_string={"per_page": 1}).json
    assert (after["total"], after["reviewed"]) == (2, 1)
    assert [item["image"]["id"] for item in after["items"]] == [({dog["id"], horses["id"]} - {first}).pop()]
    last = client.get("/api/v1/review-queue", query_string={"page": 2, "per_page": 1}).json["items"][0]
    assert last["image"]["id"] == first and last["image"]["review_state"] == "reviewed"
    assert "unreviewed" not in {reason["code"] for reason in last["reasons"]}


def test_api_queue_of_an_empty_store(client) -> None:
    assert client.get("/api/v1/review-queue").json == {
        "items": [],
        "total": 0,
        "reviewed": 0,
        "page": 1,
        "per_page": 20,
        "score_threshold": 0.3,
        "margin": 0.1,
    }


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("score_threshold=2", "score_threshold"),
        ("score_threshold=lots", "score_threshold"),
        ("margin=-1", "margin"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=x", "page"),
    ],
)
def test_api_queue_refuses_bad_parameters_with_the_one_error_body(client, query: str, named: str) -> None:
    response = client.get(f"/api/v1/review-queue?{query}")

    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "bad_parameter" and error["message"].startswith(f"{named}: ")
    assert error["request_id"]


def test_api_queue_refuses_a_repeated_parameter(client) -> None:
    response = client.get("/api/v1/review-queue?score_threshold=0.3&score_threshold=0.5")

    assert response.status_code == 400
    assert response.json["error"]["code"] == "repeated_parameter"
