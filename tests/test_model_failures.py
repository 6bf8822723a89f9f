"""Weights that cannot be loaded: a clear 503 naming the file and the fix, and a repaired file used at once."""

from __future__ import annotations

import shutil
import time


def _detect(client, photo: bytes):
    return client.post("/api/v1/detect?score_threshold=0.05", data=photo, content_type="image/jpeg")


def _readyz_until(client, done, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not done(response := client.get("/readyz")) and time.monotonic() < deadline:
        time.sleep(0.2)
    return response


def test_corrupt_builtin_weights_say_which_file_and_how_to_fix_it_and_fetched_ones_serve_without_restart(
    make_app, models_dir, tmp_path, photos
):
    broken = tmp_path / "models"
    broken.mkdir()
    (broken / "nanodet.safetensors").write_bytes(b"\x00garbage, not a safetensors file" * 1000)
    client = make_app(models_dir=broken, models_file=tmp_path / "none.toml").test_client()

    ready = _readyz_until(client, lambda r: "failed" in r.get_json()["error"]["message"])
    assert ready.status_code == 503
    assert "the default model failed to load" in ready.get_json()["error"]["message"]
    assert "nanodet.safetensors" in ready.get_json()["error"]["message"]
    refused = _detect(client, photos["dog"])
    assert refused.status_code == 503
    message = refused.get_json()["error"]["message"]
    assert refused.get_json()["error"]["code"] == "model_unavailable"
    assert "nanodet.safetensors" in message and "sightline weights fetch" in message
    assert str(tmp_path) not in message

    for good in models_dir.glob("nanodet*"):  # what `sightline weights fetch` puts there
        shutil.copy(good, broken / good.name)
    answered = _detect(client, photos["dog"])
    assert answered.status_code == 200 and len(answered.get_json()["detections"]) > 0
    assert _readyz_until(client, lambda r: r.status_code == 200).status_code == 200


def test_a_truncated_builtin_export_is_refused_then_made_again_by_weights_fetch(models_dir, tmp_path):
    from sightline.detection.families.builtin import onnx_path
    from sightline.detection.registry import ModelLoadError, ModelRegistry, builtin_specs
    from sightline.detection.weights import fetch_weights

    copy = tmp_path / "models"
    shutil.copytree(models_dir, copy)
    (spec,) = [spec for spec in builtin_specs(copy) if spec.name == "centernet"]
    export = onnx_path(spec)
    export.write_bytes(export.read_bytes()[:200_000])
    registry = ModelRegistry(copy)

    try:
        registry.get("centernet")
        raise AssertionError("a truncated export loaded")
    except ModelLoadError as error:
        assert export.name in str(error) and "sightline weights fetch" in error.summary

    fetch_weights(copy, log=lambda _line: None)
    assert registry.get("centernet").name == "centernet"
