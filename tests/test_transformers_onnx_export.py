"""transformers checkpoints exported to ONNX at `models add`, served through ONNX Runtime only when the
export was checked to give the checkpoint's own detections on the sample photos."""

from __future__ import annotations

import shutil
import tomllib

import numpy as np
import onnx
import pytest
import requests

from api_server import ApiServer
from reference_models import (
    assert_same_detections,
    build_smooth_detr_checkpoint,
    sample_photos,
    transformers_reference,
)
from sightline.detection.catalogue import add_model
from sightline.detection.categories import COCO_80
from sightline.detection.detections import Detections
from sightline.detection.families.transformers_checkpoints import TransformersDetector
from sightline.detection.families.transformers_checkpoints.export import check_export, export_checkpoint
from sightline.detection.families.transformers_checkpoints.exported import ExportedCheckpointDetector
from sightline.detection.registry import ModelRegistry

THRESHOLD = 0.05  # the page's score floor


@pytest.fixture(scope="session")
def detr(tmp_path_factory):
    return build_smooth_detr_checkpoint(tmp_path_factory.mktemp("detr"))


@pytest.fixture(scope="session")
def added_detr(detr, models_dir, tmp_path_factory):
    """The DETR checkpoint added with `models add`'s export and check, in a models file of its own."""
    models_file = tmp_path_factory.mktemp("detr-models") / "models.toml"
    photos = sample_photos()
    added = add_model(models_dir, models_file, detr, photos["dog"], name="detr", check_photos=photos)
    return models_file, added


def _served(server: ApiServer, photo, model: str) -> Detections:
    import io

    buffer = io.BytesIO()
    photo.save(buffer, "PNG")  # lossless: the server decodes the very pixels the reference sees
    response = requests.post(
        f"{server.url}/api/v1/detect",
        params={"model": model, "score_threshold": THRESHOLD, "max_detections": 300},
        data=buffer.getvalue(),
        headers={"Content-Type": "image/png", "Connection": "close"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    found = response.json()["detections"]
    return Detections.from_arrays(
        np.array([[d["box"][k] for k in ("x1", "y1", "x2", "y2")] for d in found], dtype=np.float32).reshape(-1, 4),
        np.array([d["score"] for d in found], dtype=np.float32),
        np.array([d["class_id"] for d in found], dtype=np.int64),
        COCO_80,
    )


def test_a_detr_checkpoint_is_exported_checked_and_served_by_onnx_runtime_matching_transformers(
    added_detr, detr, models_dir, tmp_path
):
    models_file, added = added_detr
    entry = tomllib.loads(models_file.read_text())["models"]["detr"]
    assert entry["served"] == "onnxruntime", entry["export_check"]
    assert entry["export_check"].startswith("accepted: the same")
    assert "served by ONNX Runtime" in entry["description"]
    assert (models_file.parent / entry["export"]).is_file()
    assert added.spec.export == models_file.parent / entry["export"]

    env = {
        "SIGHTLINE_DATA_DIR": str(tmp_path / "data"),
        "SIGHTLINE_MODELS_DIR": str(models_dir),
        "SIGHTLINE_MODELS_FILE": str(models_file),
        "SIGHTLINE_LOG_FILE": str(tmp_path / "sightline.log"),
        "SIGHTLINE_WORKERS": "2",
    }
    compared = 0
    with ApiServer(env, tmp_path / "server.out") as server:
        for photo in sample_photos().values():
            reference = transformers_reference(detr, photo, THRESHOLD)
            assert_same_detections(_served(server, photo, "detr"), reference, THRESHOLD)
            compared += len(reference[0])
        mapped = {m.path for worker in server.workers() for m in worker.memory_maps()}
    assert compared >= 100
    # The workers that served it never loaded PyTorch.
    assert not [path for path in mapped if "libtorch" in path], "a serving worker loaded PyTorch"


def test_a_checkpoint_changed_since_its_export_was_checked_is_served_by_pytorch(added_detr, detr, models_dir, tmp_path):
    models_file, _ = added_detr
    entry = tomllib.loads(models_file.read_text())["models"]["detr"]
    copy = tmp_path / "detr-small"
    shutil.copytree(detr, copy)
    config = (copy / "config.json").read_text()
    (copy / "config.json").write_text(config + "\n")  # any change to the checkpoint's files
    export = shutil.copy(models_file.parent / entry["export"], tmp_path / "detr.transformers.onnx")
    changed = tmp_path / "models.toml"
    changed.write_text(
        f'[models.detr]\nformat = "transformers"\nweights = "detr-small"\nserved = "onnxruntime"\n'
        f'export = "{export.name}"\ncheckpoint_sha256 = "{entry["checkpoint_sha256"]}"\n'
    )
    detector = ModelRegistry(models_dir, changed).get("detr")
    assert isinstance(detector, TransformersDetector)
    photo = sample_photos()["dog"]
    (ours,) = detector.detect([photo])
    assert_same_detections(ours, transformers_reference(copy, photo, 0.3), 0.3)


def test_the_check_rejects_an_export_that_gives_other_boxes(detr, tmp_path):
    photos = sample_photos()
    path = tmp_path / "detr.onnx"
    export_checkpoint(detr, path, photos["dog"])
    assert check_export(detr, path, photos, COCO_80).accepted  # intact, the same file passes

    graph = onnx.load(path)
    (bias,) = [t for t in graph.graph.initializer if t.name == "model.bbox_predictor.layers.2.bias"]
    values = onnx.numpy_helper.to_array(bias).copy()
    values[0] += 0.05  # every box moved right by 5% of the photo's width
    bias.CopyFrom(onnx.numpy_helper.from_array(values, bias.name))
    broken = tmp_path / "broken.onnx"
    onnx.save(graph, broken)

    check = check_export(detr, broken, photos, COCO_80)
    assert not check.accepted
    assert check.reason.startswith("rejected: on ") and "has no match in the export" in check.reason
    # Served as it would be, the broken file does give other boxes than the checkpoint.
    (ours,) = ExportedCheckpointDetector("broken", COCO_80, detr, broken).detect([photos["dog"]])
    with pytest.raises(AssertionError):
        assert_same_detections(ours, transformers_reference(detr, photos["dog"], THRESHOLD), THRESHOLD)
