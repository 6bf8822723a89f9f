"""Every detection path goes through the one detection service: its per-model pass lock, its metrics,
its pixel budget. Uploads with storing, re-runs and evaluation runs through Flask's test client, on
SQLite and PostgreSQL; `sightline detect` in-process as a user runs it."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from api_fixtures import encode
from sightline.detection.images import decoded_pixels, load_photo
from sightline.service import DetectionService
from test_api_lifecycle import ADMIN, upload, wait_for
from test_api_service import metric, wait_ready

RERUN_OPTIONS = [{}, {"agnostic_nms": True}, {"tta_flip": True}, {"agnostic_nms": True, "tta_flip": True}]


def count_passes(service: DetectionService, model: str) -> list[bool]:
    """Every forward pass of `model` from now on, each as whether it ran holding the model's pass lock."""
    session = service.registry.get(model).forward.session
    passes: list[bool] = []
    run = session.run
    session.run = lambda *args: passes.append(service.pass_lock(model).locked()) or run(*args)
    return passes


def test_an_upload_a_rerun_and_an_evaluation_run_their_passes_through_the_service(make_lifecycle_app, photos) -> None:
    app = make_lifecycle_app()
    client = app.test_client()
    assert wait_ready(client).status_code == 200  # the warm-up's passes are done
    passes = count_passes(app.extensions["sightline.detection"], "nanodet")

    image = upload(client, photos["dog"])
    assert image.status_code == 201 and len(passes) == 1
    rerun = client.post(f"/api/v1/images/{image.json['id']}/predictions", json={"model": "nanodet", "tta_flip": True})
    assert rerun.status_code == 201 and len(passes) == 3  # the photo and its mirror image
    client.put(f"/api/v1/images/{image.json['id']}/review", json={})
    started = client.post("/api/v1/evaluations", json={"models": ["nanodet"]})
    assert wait_for(client, started.json["id"])["status"] == "done"

    assert len(passes) == 4 and all(passes)
    text = client.get("/metrics").get_data(as_text=True)
    assert metric(text, "sightline_inference_duration_seconds_count", model="nanodet") == 3
    for route in ("/api/v1/images", "/api/v1/images/<int:image_id>/predictions"):
        assert metric(text, "sightline_http_requests_total", route=route, model="nanodet", status="201") == 1


def test_a_new_default_models_warm_up_passes_queue_on_its_lock(make_lifecycle_app) -> None:
    app = make_lifecycle_app()
    client = app.test_client()
    assert wait_ready(client).status_code == 200
    passes = count_passes(app.extensions["sightline.detection"], "centernet")

    chosen = client.put("/api/v1/models/default", json={"model": "centernet"}, headers=ADMIN)

    assert chosen.status_code == 200
    assert wait_ready(client).get_json() == {"status": "ready", "model": "centernet"}
    assert passes and all(passes)


def test_a_rerun_takes_agnostic_nms_and_tta_flip_as_detect_does(make_lifecycle_app, photos) -> None:
    client = make_lifecycle_app().test_client()
    image_id = upload(client, photos["dog"]).json["id"]

    found = {}
    for options in RERUN_OPTIONS:
        rerun = client.post(f"/api/v1/images/{image_id}/predictions", json={"model": "nanodet", **options})
        form = {name: "true" for name in options}
        detected = client.post("/api/v1/detect", data={"image": (io.BytesIO(photos["dog"]), "dog.jpg"), **form})
        assert rerun.status_code == 201 and detected.status_code == 200
        for name in ("agnostic_nms", "tta_flip"):
            assert rerun.json["parameters"][name] == options.get(name, False)
        labels = [(d["label"], d["score"]) for d in rerun.json["detections"]]
        assert labels == [(d["label"], d["score"]) for d in detected.json["detections"]]
        found[tuple(options)] = labels

    # NanoDet calls the dog a cat too; across classes only its best label stays.
    assert "cat" in dict(found[()]) and "cat" not in dict(found[("agnostic_nms",)])
    assert found[("tta_flip",)] != found[()]


def test_a_rerun_with_a_bad_option_is_refused_and_stores_nothing(make_lifecycle_app, photos) -> None:
    client = make_lifecycle_app().test_client()
    image_id = upload(client, photos["dog"]).json["id"]

    refused = client.post(f"/api/v1/images/{image_id}/predictions", json={"model": "nanodet", "tta_flip": "sometimes"})

    assert refused.status_code == 400 and refused.json["error"]["code"] == "bad_parameter"
    assert "tta_flip" in refused.json["error"]["message"]
    assert len(client.get(f"/api/v1/images/{image_id}").json["predictions"]) == 1


def test_sightline_detect_runs_its_passes_through_the_service(models_dir, samples_dir, monkeypatch, capsys) -> None:
    from sightline.cli import main

    locked = []
    pass_lock = DetectionService.pass_lock
    monkeypatch.setattr(
        DetectionService, "pass_lock", lambda self, model: locked.append(model) or pass_lock(self, model)
    )

    code = main(["--data-dir", str(models_dir.parent), "detect", str(samples_dir / "dog.jpg"), "--json", "--tta-flip"])

    assert code == 0
    assert json.loads(capsys.readouterr().out)["detections"]
    assert locked == ["nanodet", "nanodet"]  # the photo and its mirror image, each under the model's lock


def _phone_photo(kind: str, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(Image.new("RGB", (4032, 3024), (90, 120, 150)), kind, exif=exif)


@pytest.mark.parametrize(("kind", "status"), [("JPEG", 200), ("PNG", 503)])
def test_the_pixel_budget_counts_a_reduced_decode_at_its_reduced_size(make_app, kind, status) -> None:
    # A 12-megapixel JPEG is decoded at 1/8 scale for NanoDet (0.19 megapixels); a PNG is decoded in full.
    app = make_app(decode_pixels=2_000_000, decode_wait=0)
    client = app.test_client()
    budget = app.extensions["sightline.detection"].pixel_budget

    with budget.hold(1_500_000):  # another request's photo being decoded
        answer = client.post("/api/v1/detect", data=_phone_photo(kind), content_type=f"image/{kind.lower()}")

    assert answer.status_code == status, answer.get_json()
    if status == 503:
        assert answer.get_json()["error"]["code"] == "server_busy" and "12.2" in answer.get_json()["error"]["message"]
    assert budget.in_use == 0


@pytest.mark.parametrize("orientation", [1, 6])
@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_the_pixels_counted_are_the_pixels_decoded(registry, kind, orientation) -> None:
    decode_size = registry.get("nanodet").decode_size
    photo = _phone_photo(kind, orientation)

    decoded = load_photo(photo, decode_size=decode_size)

    counted = decoded_pixels(photo, decode_size)
    assert counted == (4032 * 3024 if kind == "PNG" else decoded.image.width * decoded.image.height)
    assert counted < 4032 * 3024 / 50 or kind == "PNG"
