"""The model-lifecycle endpoints through Flask's test client, on SQLite and PostgreSQL: store photos,
correct predictions, review, evaluate, promote the better model, and find it all again after a restart."""

from __future__ import annotations

import io
import json
import time

import pytest
from PIL import Image

from api_fixtures import ADMIN_KEY
from sightline.detection.images import load_image
from sightline.evaluation import coco
from sightline.evaluation.dataset_checks import CheckedImage
from sightline.evaluation.datasets import load_dataset
from sightline.storage.service import Storage

ADMIN = {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture
def lifecycle_client(make_lifecycle_app):
    return make_lifecycle_app().test_client()


def upload(client, photo: bytes, **params):
    return client.post("/api/v1/images", data={"image": (io.BytesIO(photo), "photo.jpg"), **params})


def wait_for(client, evaluation_id: int) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = client.get(f"/api/v1/evaluations/{evaluation_id}").json
        if record["status"] in ("done", "failed"):
            return record
        time.sleep(0.1)
    raise AssertionError(f"evaluation {evaluation_id} did not finish: {record}")


def test_upload_correct_review_evaluate_promote_and_restart(make_lifecycle_app, photos, database_url, tmp_path) -> None:
    client = make_lifecycle_app().test_client()
    dog = upload(client, photos["dog"])
    assert dog.status_code == 201 and dog.headers["Location"] == f"/api/v1/images/{dog.json['id']}"
    horses = upload(client, photos["horses"], score_threshold="0.4")
    detections = {d["label"]: d for d in dog.json["predictions"][0]["detections"]}
    assert {"dog", "bicycle"} <= set(detections)

    feedback = client.post(
        f"/api/v1/images/{dog.json['id']}/feedback",
        json={
            "detections": [
                {"detection_id": detections["dog"]["id"], "verdict": "correct"},
                {
                    "detection_id": detections["bicycle"]["id"],
                    "verdict": "wrong_box",
                    "box": {"x1": 120, "y1": 130, "x2": 570, "y2": 420},
                },
            ],
            "missed": [{"label": "car", "box": {"x1": 460, "y1": 70, "x2": 690, "y2": 170}}],
            "reviewed": True,
        },
    )
    assert feedback.status_code == 200 and feedback.json["review_state"] == "reviewed"
    marked = {d["label"]: d["feedback"] for d in feedback.json["predictions"][0]["detections"]}
    assert marked["dog"]["verdict"] == "correct" and marked["bicycle"]["box"] == {
        "x1": 120,
        "y1": 130,
        "x2": 570,
        "y2": 420,
    }
    assert (
        client.put(f"/api/v1/images/{horses.json['id']}/review", json={"reviewed": True}).json["review_state"]
        == "reviewed"
    )

    started = client.post("/api/v1/evaluations", json={"models": ["nanodet", "centernet"]})
    assert started.status_code == 202 and started.json["progress"]["total"] == 2
    finished = wait_for(client, started.json["id"])
    assert finished["status"] == "done", finished["error"]
    assert [result["model"] for result in finished["results"]] == ["nanodet", "centernet"]
    assert {"map", "map_50", "map_75", "map_small", "map_medium", "map_large", "mar_1", "mar_10", "mar_100"} <= set(
        finished["results"][0]["metrics"]
    )
    assert "horse" in finished["results"][0]["per_class"]
    winner = finished["recommended_model"]
    rows = {row["metric"]: row for row in finished["comparison"]}
    assert rows["map"]["best"] == winner and set(rows["map"]["values"]) == {"nanodet", "centernet"}

    other = "centernet" if winner == "nanodet" else "nanodet"
    promoted = client.post(f"/api/v1/evaluations/{started.json['id']}/promote", json={"model": other}, headers=ADMIN)
    assert promoted.status_code == 200 and client.get("/api/v1/models/default").json["name"] == other

    restarted = make_lifecycle_app().test_client()
    assert restarted.get("/api/v1/models/default").json["name"] == other
    again = restarted.get(f"/api/v1/images/{dog.json['id']}").json
    assert again["missed_objects"][0]["label"] == "car" and again["review_state"] == "reviewed"
    assert restarted.get("/api/v1/images/{}/file".format(dog.json["id"])).data == photos["dog"]
    listed = restarted.get("/api/v1/evaluations").json
    assert listed["total"] == 1 and listed["items"][0]["recommended_model"] == winner

    storage = Storage.open(database_url, tmp_path / "images")
    with storage.sessions() as session:
        target = coco.export_dataset(load_dataset(session=session), storage.images, tmp_path / "export", "reviewed")
    storage.close()
    assert {path.name for path in (tmp_path / "export" / "images").iterdir()} == {
        f"{record['sha256'][:16]}.jpg" for record in (dog.json, horses.json)
    }
    assert any(a["category_id"] == 2 for a in json.loads(target.read_text())["annotations"])


def test_store_on_detect_per_request_or_by_setting(make_lifecycle_app, photos) -> None:
    client = make_lifecycle_app().test_client()
    plain = client.post("/api/v1/detect", data={"image": (io.BytesIO(photos["dog"]), "dog.jpg")})
    stored = client.post("/api/v1/detect?store=true", data={"image": (io.BytesIO(photos["dog"]), "dog.jpg")})
    assert "stored" not in plain.json and client.get("/api/v1/images").json["total"] == 1
    record = client.get(f"/api/v1/images/{stored.json['stored']['image_id']}").json
    assert [d["label"] for d in record["predictions"][0]["detections"]] == [
        d["label"] for d in stored.json["detections"]
    ]

    storing = make_lifecycle_app(store_images=True).test_client()
    batch = storing.post(
        "/api/v1/detect/batch",
        data={"image": [(io.BytesIO(photos["horses"]), "a.jpg"), (io.BytesIO(photos["person"]), "b.jpg")]},
    )
    assert [r["stored"]["image_id"] for r in batch.json["results"]] == [2, 3]
    assert (
        storing.post("/api/v1/detect?store=false", data={"image": (io.BytesIO(photos["chelsea"]), "c.jpg")}).status_code
        == 200
    )
    assert storing.get("/api/v1/images").json["total"] == 3


def test_listing_filters_and_pages(lifecycle_client, photos) -> None:
    ids = [upload(lifecycle_client, photos[name]).json["id"] for name in ("dog", "horses", "person")]
    lifecycle_client.put(f"/api/v1/images/{ids[1]}/review", json={})
    lifecycle_client.post(f"/api/v1/images/{ids[0]}/predictions", json={"model": "centernet"})

    def listed(query: str) -> list[int]:
        return [item["id"] for item in lifecycle_client.get(f"/api/v1/images?{query}").json["items"]]

    assert listed("") == ids[::-1]
    assert listed("reviewed=true") == [ids[1]] and listed("reviewed=false") == [ids[2], ids[0]]
    assert listed("label=bicycle") == [ids[0]] and listed("model=centernet") == [ids[0]]
    page = lifecycle_client.get("/api/v1/images?page=2&per_page=2").json
    assert (page["total"], [item["id"] for item in page["items"]]) == (3, [ids[0]])
    assert lifecycle_client.get("/api/v1/images?per_page=0").json["error"]["code"] == "bad_parameter"


def test_listing_names_each_photo_and_counts_its_newest_boxes(lifecycle_client, photos) -> None:
    first = lifecycle_client.post(
        "/api/v1/detect?store=true&score_threshold=0.05",
        data={"image": (io.BytesIO(photos["dog"]), "holiday/2026/My dog.jpg")},
    ).json
    # The same bytes kept again under another name stay one photo with its first name.
    lifecycle_client.post("/api/v1/detect?store=true", data={"image": (io.BytesIO(photos["dog"]), "copy.jpg")})
    batch = lifecycle_client.post(
        "/api/v1/detect/batch?store=true",
        data={"image": [(io.BytesIO(photos["horses"]), "horses.jpg"), (io.BytesIO(photos["person"]), "")]},
    ).json["results"]
    raw = lifecycle_client.post("/api/v1/detect?store=true", data=photos["chelsea"], content_type="image/jpeg").json

    items = {item["id"]: item for item in lifecycle_client.get("/api/v1/images").json["items"]}
    dog, horses, person = first["stored"]["image_id"], batch[0]["stored"]["image_id"], batch[1]["stored"]["image_id"]
    assert [items[i]["file_name"] for i in (dog, horses, person, raw["stored"]["image_id"])] == [
        "My dog.jpg",
        "horses.jpg",
        None,
        None,
    ]
    assert items[horses]["box_count"] == len(batch[0]["detections"]) > 0
    # The newest prediction is the one counted (the second run used the default threshold 0.3).
    newest = lifecycle_client.get(f"/api/v1/images/{dog}").json["predictions"][-1]["detections"]
    assert items[dog]["box_count"] == len(newest) < len(first["detections"])
    above = lifecycle_client.get("/api/v1/images?min_score=0.5").json["items"]
    assert {i["id"]: i["box_count"] for i in above}[dog] == sum(d["score"] >= 0.5 for d in newest)
    assert lifecycle_client.get(f"/api/v1/images/{dog}").json["file_name"] == "My dog.jpg"

    refused = lifecycle_client.get("/api/v1/images?min_score=2")
    assert (refused.status_code, refused.json["error"]["code"]) == (400, "bad_parameter")
    assert "min_score" in refused.json["error"]["message"]


def test_rerun_through_another_model(lifecycle_client, photos) -> None:
    image_id = upload(lifecycle_client, photos["dog"]).json["id"]
    rerun = lifecycle_client.post(
        f"/api/v1/images/{image_id}/predictions", json={"model": "centernet", "score_threshold": 0.2}
    )
    assert rerun.status_code == 201 and rerun.json["model"]["name"] == "centernet"
    assert rerun.json["parameters"]["score_threshold"] == 0.2 and "dog" in {
        d["label"] for d in rerun.json["detections"]
    }
    predictions = lifecycle_client.get(f"/api/v1/images/{image_id}").json["predictions"]
    assert [p["model"]["name"] for p in predictions] == ["nanodet", "centernet"]
    bad = lifecycle_client.post(f"/api/v1/images/{image_id}/predictions", json={"model": "yolo"})
    assert (bad.status_code, bad.json["error"]["code"]) == (400, "unknown_model")
    assert lifecycle_client.post("/api/v1/images/999/predictions", json={"model": "nanodet"}).status_code == 404


@pytest.mark.parametrize(
    ("item", "status", "code", "message"),
    [
        ({"detection_id": 99999, "verdict": "correct"}, 404, "unknown_detection", "no detection with id 99999"),
        (
            {"verdict": "wrong_label", "label": "unicorn"},
            422,
            "unknown_label",
            "detections[2]: unknown label 'unicorn'",
        ),
        (
            {"verdict": "wrong_box", "box": {"x1": 0, "y1": 0, "x2": 900, "y2": 100}},
            422,
            "box_outside_image",
            "detections[2]: box (0, 0, 900, 100) is not inside the 768x576 image",
        ),
        ({"verdict": "wrong_label"}, 400, "bad_feedback", "needs the right label"),
        ({"verdict": "maybe"}, 400, "bad_parameter", "verdict: Must be one of"),
    ],
)
def test_bad_feedback_is_refused_whole(lifecycle_client, photos, item, status, code, message) -> None:
    image = upload(lifecycle_client, photos["dog"]).json
    first, second = image["predictions"][0]["detections"][:2]
    body = {"detections": [{"detection_id": first["id"], "verdict": "correct"}, {"detection_id": second["id"], **item}]}

    response = lifecycle_client.post(f"/api/v1/images/{image['id']}/feedback", json={**body, "reviewed": True})

    assert response.status_code == status and response.json["error"]["code"] == code
    assert message in response.json["error"]["message"] and response.json["error"]["request_id"]
    after = lifecycle_client.get(f"/api/v1/images/{image['id']}").json
    assert after["review_state"] == "unreviewed"
    assert all(d["feedback"] is None for d in after["predictions"][0]["detections"])


def test_single_feedback_and_missed_objects(lifecycle_client, photos) -> None:
    image = upload(lifecycle_client, photos["dog"]).json
    detection = image["predictions"][0]["detections"][0]
    url = f"/api/v1/detections/{detection['id']}/feedback"

    assert lifecycle_client.put(url, json={"verdict": "not_an_object"}).json["verdict"] == "not_an_object"
    relabelled = lifecycle_client.put(url, json={"verdict": "wrong_label", "label": "cat"})
    assert relabelled.status_code == 200 and relabelled.json["label"] == "cat"
    assert lifecycle_client.delete(url).status_code == 204
    assert (
        lifecycle_client.get(f"/api/v1/images/{image['id']}").json["predictions"][0]["detections"][0]["feedback"]
        is None
    )
    assert lifecycle_client.put("/api/v1/detections/99999/feedback", json={"verdict": "correct"}).status_code == 404

    missed = lifecycle_client.post(
        f"/api/v1/images/{image['id']}/missed", json={"label": "car", "box": {"x1": 1, "y1": 2, "x2": 30, "y2": 40}}
    )
    assert missed.status_code == 201 and missed.json["class_id"] == 2
    outside = lifecycle_client.post(
        f"/api/v1/images/{image['id']}/missed", json={"label": "car", "box": {"x1": 1, "y1": 2, "x2": 30, "y2": 600}}
    )
    assert (outside.status_code, outside.json["error"]["code"]) == (422, "box_outside_image")
    assert lifecycle_client.delete(f"/api/v1/missed/{missed.json['id']}").status_code == 204
    assert lifecycle_client.get(f"/api/v1/images/{image['id']}").json["missed_objects"] == []
    assert lifecycle_client.delete(f"/api/v1/missed/{missed.json['id']}").status_code == 404


def test_deleting_needs_the_admin_key_and_removes_the_file(lifecycle_client, photos) -> None:
    image_id = upload(lifecycle_client, photos["dog"]).json["id"]
    refused = lifecycle_client.delete(f"/api/v1/images/{image_id}")
    assert refused.status_code == 403 and lifecycle_client.get(f"/api/v1/images/{image_id}").status_code == 200

    assert lifecycle_client.delete(f"/api/v1/images/{image_id}", headers=ADMIN).status_code == 204
    assert lifecycle_client.get(f"/api/v1/images/{image_id}").json["error"]["code"] == "unknown_image"
    assert lifecycle_client.get(f"/api/v1/images/{image_id}/file").status_code == 404
    assert lifecycle_client.delete(f"/api/v1/images/{image_id}", headers=ADMIN).status_code == 404


def test_image_file_is_served_with_its_type_and_cached_by_hash(lifecycle_client, photos) -> None:
    image = upload(lifecycle_client, photos["dog"]).json
    response = lifecycle_client.get(image["file_url"])
    assert response.status_code == 200 and response.mimetype == "image/jpeg" and response.data == photos["dog"]
    assert lifecycle_client.get(image["file_url"], headers={"If-None-Match": f'"{image["sha256"]}"'}).status_code == 304


def test_a_lost_image_file_is_reported_not_crashed(lifecycle_client, photos, tmp_path) -> None:
    image = upload(lifecycle_client, photos["dog"]).json
    (tmp_path / "images" / image["sha256"][:2] / image["sha256"]).unlink()
    response = lifecycle_client.get(image["file_url"])
    assert (response.status_code, response.json["error"]["code"]) == (404, "image_file_missing")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"models": ["nanodet", "yolo"]}, 400, "unknown_model"),
        ({"models": ["nanodet"]}, 422, "empty_dataset"),
        ({"models": ["nanodet"], "dataset": "nope"}, 404, "unknown_dataset"),
        ({"models": []}, 400, "bad_parameter"),
    ],
)
def test_evaluation_requests_that_cannot_run(lifecycle_client, body, status, code) -> None:
    response = lifecycle_client.post("/api/v1/evaluations", json=body)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert lifecycle_client.get("/api/v1/evaluations").json["total"] == 0


def test_stats_count_images_and_share_marked_correct(lifecycle_client, photos) -> None:
    image = upload(lifecycle_client, photos["dog"]).json
    dog, bicycle = (
        next(d for d in image["predictions"][0]["detections"] if d["label"] == n) for n in ("dog", "bicycle")
    )
    lifecycle_client.post(
        f"/api/v1/images/{image['id']}/feedback",
        json={
            "detections": [
                {"detection_id": dog["id"], "verdict": "correct"},
                {"detection_id": bicycle["id"], "verdict": "not_an_object"},
            ],
            "reviewed": True,
        },
    )
    upload(lifecycle_client, photos["horses"])

    stats = lifecycle_client.get("/api/v1/stats").json
    assert (stats["images"], stats["reviewed_images"]) == (2, 1)
    assert stats["feedback"]["by_model"] == [{"model": "nanodet", "judged": 2, "correct": 1, "share_correct": 0.5}]
    by_class = {row["label"]: row["share_correct"] for row in stats["feedback"]["by_class"]}
    assert by_class == {"bicycle": 0.0, "dog": 1.0}
    assert [row["day"] for row in stats["feedback"]["by_day"]] == [time.strftime("%Y-%m-%d", time.gmtime())]


@pytest.mark.parametrize(
    ("method", "url", "body", "code"),
    [
        ("get", "/api/v1/images/4242", None, "unknown_image"),
        ("get", "/api/v1/images/4242/file", None, "unknown_image"),
        ("put", "/api/v1/images/4242/review", {"reviewed": True}, "unknown_image"),
        ("post", "/api/v1/images/4242/feedback", {"detections": []}, "unknown_image"),
        (
            "post",
            "/api/v1/images/4242/missed",
            {"label": "dog", "box": {"x1": 0, "y1": 0, "x2": 1, "y2": 1}},
            "unknown_image",
        ),
        ("delete", "/api/v1/detections/4242/feedback", None, "unknown_detection"),
        ("get", "/api/v1/evaluations/4242", None, "unknown_evaluation"),
        ("get", "/api/v1/images/99999999999999999999", None, "unknown_image"),
    ],
)
def test_unknown_records_are_404_with_the_error_body(lifecycle_client, method, url, body, code) -> None:
    response = getattr(lifecycle_client, method)(url, json=body)
    assert (response.status_code, response.json["error"]["code"]) == (404, code)


def test_promoting_needs_a_finished_evaluation_and_the_admin_key(lifecycle_client) -> None:
    assert lifecycle_client.post("/api/v1/evaluations/1/promote", json={}).status_code == 403
    missing = lifecycle_client.post("/api/v1/evaluations/1/promote", json={}, headers=ADMIN)
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "unknown_evaluation")
    assert lifecycle_client.get("/api/v1/models/default").json["name"] == "nanodet"


def test_an_upload_that_is_no_photo_stores_nothing(lifecycle_client, tmp_path) -> None:
    response = lifecycle_client.post("/api/v1/images", data={"image": (io.BytesIO(b"not a photo"), "x.jpg")})
    assert (response.status_code, response.json["error"]["code"]) == (415, "not_an_image")
    assert lifecycle_client.get("/api/v1/images").json["total"] == 0
    assert not [path for path in (tmp_path / "images").rglob("*") if path.is_file() and path.name != ".lock"]


def test_single_feedback_refuses_an_unknown_label(lifecycle_client, photos) -> None:
    detection = upload(lifecycle_client, photos["dog"]).json["predictions"][0]["detections"][0]
    response = lifecycle_client.put(
        f"/api/v1/detections/{detection['id']}/feedback", json={"verdict": "wrong_label", "label": "unicorn"}
    )
    assert (response.status_code, response.json["error"]["code"]) == (422, "unknown_label")
    assert "unicorn" in response.json["error"]["message"]


def test_datasets_lists_reviewed_photos_and_imports(
    lifecycle_client, photos, database_url, tmp_path, samples_dir
) -> None:
    image_id = upload(lifecycle_client, photos["dog"]).json["id"]
    lifecycle_client.put(f"/api/v1/images/{image_id}/review", json={"reviewed": True})
    storage = Storage.open(database_url, tmp_path / "images")
    with storage.writing() as (session, files):
        checked = coco.read_coco(samples_dir / "annotations.json", samples_dir, 50_000_000)
        coco.import_dataset(session=session, files=files, name="samples", images=checked)
    storage.close()

    listed = lifecycle_client.get("/api/v1/datasets").json
    assert listed["items"] == [{"name": "reviewed", "images": 1}, {"name": "samples", "images": 8}]


def test_listing_by_source_and_dataset(lifecycle_client, photos, database_url, tmp_path) -> None:
    # The dog photo is imported first and uploaded later: stored once, it is then in both.
    imported = []
    for name in ("dog", "horses"):
        with Image.open(io.BytesIO(photos[name])) as picture:
            imported.append(CheckedImage(f"{name}.jpg", photos[name], picture.width, picture.height))
    storage = Storage.open(database_url, tmp_path / "images")
    with storage.writing() as (session, files):
        dog, horses = (
            member.image_id
            for member in coco.import_dataset(session=session, files=files, name="pets", images=imported).images
        )
    storage.close()
    assert upload(lifecycle_client, photos["dog"]).json["id"] == dog

    def listed(query: str) -> tuple[int, list[int]]:
        page = lifecycle_client.get(f"/api/v1/images?{query}").json
        return page["total"], [item["id"] for item in page["items"]]

    names = {i["id"]: (i["file_name"], i["box_count"]) for i in lifecycle_client.get("/api/v1/images").json["items"]}
    assert names == {
        dog: ("dog.jpg", len(lifecycle_client.get(f"/api/v1/images/{dog}").json["predictions"][0]["detections"])),
        horses: ("horses.jpg", None),
    }
    assert listed("source=uploads") == (1, [dog])
    assert listed("source=datasets") == listed("dataset=pets") == listed("") == (2, [horses, dog])
    assert listed("source=uploads&dataset=pets") == (1, [dog])

    unknown = lifecycle_client.get("/api/v1/images?dataset=cats")
    assert unknown.status_code == 404
    assert unknown.json["error"]["code"] == "unknown_dataset"
    assert unknown.json["error"]["message"] == "no dataset named 'cats' (imported datasets: pets)"
    bad = lifecycle_client.get("/api/v1/images?source=imports")
    assert (bad.status_code, bad.json["error"]["code"]) == (400, "bad_parameter")
    assert "source: Must be one of: uploads, datasets" in bad.json["error"]["message"]


def test_promoting_with_the_operating_point_sets_the_models_score_threshold(
    make_lifecycle_app, photos, database_url, tmp_path, samples_dir
) -> None:
    storage = Storage.open(database_url, tmp_path / "images")
    with storage.writing() as (session, files):
        checked = coco.read_coco(samples_dir / "annotations.json", samples_dir, 50_000_000)
        coco.import_dataset(session=session, files=files, name="samples", images=checked)
    storage.close()
    # Two workers of one server share its runtime folder; a restart starts with an empty one.
    (tmp_path / "run").mkdir()
    client = make_lifecycle_app(runtime_dir=tmp_path / "run").test_client()
    other_worker = make_lifecycle_app(runtime_dir=tmp_path / "run").test_client()

    def scores(**params) -> list[float]:
        response = client.post("/api/v1/detect", data={"image": (io.BytesIO(photos["dog"]), "dog.jpg"), **params})
        assert response.status_code == 200, response.json
        return [d["score"] for d in response.json["detections"]]

    assert min(scores()) >= 0.3  # no threshold chosen yet: the built-in 0.3
    started = client.post("/api/v1/evaluations", json={"models": ["centernet"], "dataset": "samples"})
    finished = wait_for(client, started.json["id"])
    [result] = finished["results"]
    point = result["operating_point"]
    assert point["score_threshold"] != pytest.approx(0.3, abs=0.01) and 0 < point["f1"] < 1
    assert len(result["curves"]["precision"]) == 101 and result["photo_errors"]
    # A list of evaluations carries the operating point but not the curves and photos.
    listed = client.get("/api/v1/evaluations").json["items"][0]["results"][0]
    assert listed["operating_point"] == point and "curves" not in listed and "photo_errors" not in listed

    promote = f"/api/v1/evaluations/{started.json['id']}/promote"
    promoted = client.post(promote, json={"model": "centernet", "use_operating_point": True}, headers=ADMIN)
    assert promoted.status_code == 200
    assert promoted.json == {
        "default_model": "centernet",
        "evaluation_id": started.json["id"],
        "score_threshold": point["score_threshold"],
    }

    for app_client in (client, other_worker, make_lifecycle_app().test_client()):  # now, and after a restart
        client = app_client
        default = scores()
        assert default and min(default) >= point["score_threshold"] - 1e-4
        # The page asks for everything above its own floor: an explicit threshold still wins.
        floor = scores(score_threshold="0.05")
        assert min(floor) < point["score_threshold"] and len(floor) > len(default)
        assert min(scores(model="nanodet")) >= 0.3  # another model keeps its own threshold

    # Promoting without it leaves the threshold as it was.
    again = client.post(promote, json={"model": "centernet"}, headers=ADMIN)
    assert again.json["score_threshold"] is None and min(scores()) >= point["score_threshold"] - 1e-4


def test_a_phone_photo_is_stored_whole_with_its_upright_size(make_lifecycle_app, photos, registry) -> None:
    # 4032x3024 stored sideways with EXIF orientation 6, as a phone writes it; the server decodes
    # it small, yet reports and stores the upright original.
    upright = Image.open(io.BytesIO(photos["voc_cafeteria"])).resize((4032, 3024), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buffer, format="JPEG", quality=90, exif=exif)
    data = buffer.getvalue()
    client = make_lifecycle_app().test_client()

    result = client.post("/api/v1/detect?store=true", data={"image": (io.BytesIO(data), "phone.jpg")}).json

    assert result["image"] == {"width": 4032, "height": 3024}
    full_size = registry.get("nanodet").detect([load_image(data)])[0].to_json()
    for found in (result["detections"], full_size):
        assert found[0]["label"] == "person"
    assert result["detections"][0]["box"] == pytest.approx(full_size[0]["box"], abs=0.01 * 4032)
    record = client.get(f"/api/v1/images/{result['stored']['image_id']}").json
    assert (record["width"], record["height"]) == (4032, 3024)
    assert client.get(f"/api/v1/images/{result['stored']['image_id']}/file").data == data
