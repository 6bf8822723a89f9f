"""`sightline models add/remove`, and a running server that follows the models file without a restart."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
import requests

from api_server import ApiServer


@pytest.mark.parametrize(("export", "layout"), [("yolo11n", "yolo"), ("yolo26n-end2end", "yolo-end2end")])
def test_models_add_recognises_the_layout_runs_it_and_writes_the_entry(models_cli, yolo_exports, export, layout):
    code, out, err = models_cli("models", "add", str(yolo_exports[export]), "--name", "mine")

    assert (code, err) == (0, "")
    assert f"added model mine in {models_cli.models_file}: onnx, {layout}, input 320x320, 80 classes" in out
    entry = tomllib.loads(models_cli.models_file.read_text())["models"]["mine"]
    assert entry["format"] == "onnx" and entry["layout"] == layout and entry["input_size"] == [320, 320]
    listed = {model["name"]: model for model in json.loads(models_cli("models", "--json")[1])}
    assert listed["mine"]["format"] == "onnx" and listed["mine"]["architecture"] == layout

    assert models_cli("models", "remove", "mine")[0] == 0
    assert "mine" not in {model["name"] for model in json.loads(models_cli("models", "--json")[1])}


def test_models_add_refuses_a_file_it_cannot_serve_and_writes_nothing(models_cli, tmp_path):
    broken = tmp_path / "half.onnx"
    broken.write_bytes(b"\x08\x07garbage" * 100)

    code, _, err = models_cli("models", "add", str(broken))

    assert code == 1 and "half.onnx is not a readable ONNX file" in err
    assert not models_cli.models_file.exists()
    code, _, err = models_cli("models", "remove", "nanodet")
    assert code == 1 and "built-in model and cannot be removed" in err


def _detect(server: ApiServer, photo: bytes, model: str) -> requests.Response:
    # A fresh connection per request, so that both workers get their share.
    return requests.post(
        f"{server.url}/api/v1/detect",
        params={"model": model, "score_threshold": 0.05},
        data=photo,
        headers={"Content-Type": "image/jpeg", "Connection": "close"},
        timeout=60,
    )


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sightline.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_running_server_uses_added_models_at_once_and_a_broken_one_takes_no_other_down(
    models_dir, yolo_exports, tmp_path, photos
):
    models_file = tmp_path / "models.toml"
    env = {
        "SIGHTLINE_DATA_DIR": str(tmp_path / "data"),
        "SIGHTLINE_MODELS_DIR": str(models_dir),
        "SIGHTLINE_MODELS_FILE": str(models_file),
        "SIGHTLINE_LOG_FILE": str(tmp_path / "sightline.log"),
        "SIGHTLINE_WORKERS": "2",
    }
    with ApiServer(env, tmp_path / "server.out") as server:
        assert _detect(server, photos["dog"], "yolo").json()["error"]["code"] == "unknown_model"
        full_env = server.env

        added = _cli(full_env, "models", "add", str(yolo_exports["yolo11n"]), "--name", "yolo")
        assert added.returncode == 0, added.stderr
        answers = [_detect(server, photos["dog"], "yolo") for _ in range(8)]
        assert [answer.status_code for answer in answers] == [200] * 8
        assert {answer.json()["model"]["name"] for answer in answers} == {"yolo"}
        assert len({len(answer.json()["detections"]) for answer in answers}) == 1  # every worker, same model
        listed = requests.get(f"{server.url}/api/v1/models", timeout=10).json()["items"]
        assert "yolo" in {model["name"] for model in listed}

        broken = tmp_path / "broken.onnx"
        broken.write_bytes(yolo_exports["yolo11n"].read_bytes()[:50_000])
        with models_file.open("a") as stream:  # by hand: `models add` would refuse it
            stream.write('\n[models.broken]\nformat = "onnx"\nweights = "broken.onnx"\nlayout = "yolo"\n')
            stream.write('input_size = [320, 320]\ncategories = "coco"\n')
        for _ in range(4):
            refused = _detect(server, photos["dog"], "broken")
            assert refused.status_code == 503
            error = refused.json()["error"]
            assert error["code"] == "model_unavailable" and "broken.onnx" in error["message"]
            assert "export the model again" in error["message"] and str(tmp_path) not in error["message"]
            assert _detect(server, photos["dog"], "yolo").status_code == 200
            assert _detect(server, photos["dog"], "nanodet").status_code == 200

        broken.write_bytes(yolo_exports["yolo11n"].read_bytes())  # exported again: used without a restart
        assert [_detect(server, photos["dog"], "broken").status_code for _ in range(4)] == [200] * 4

        removed = _cli(full_env, "models", "remove", "yolo")
        assert removed.returncode == 0, removed.stderr
        gone = [_detect(server, photos["dog"], "yolo") for _ in range(4)]
        assert {answer.json()["error"]["code"] for answer in gone} == {"unknown_model"}
