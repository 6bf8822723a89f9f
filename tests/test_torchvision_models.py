"""A user's own torchvision model, registered by a small TOML file, runs like a built-in one."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchvision.models.detection as tv_detection
from PIL import Image

from sightline.detection.options import DetectOptions
from sightline.detection.registry import ModelConfigError, ModelLoadError, ModelRegistry


def _save_random_model(architecture: str, path: Path, num_classes: int = 91) -> None:
    torch.manual_seed(0)
    module = getattr(tv_detection, architecture)(weights=None, weights_backbone=None, num_classes=num_classes)
    torch.save(module.state_dict(), path)


@pytest.fixture(scope="module")
def ssdlite_weights(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "ssdlite.pth"
    _save_random_model("ssdlite320_mobilenet_v3_large", path)
    return path


def _write_models_file(folder: Path, body: str) -> Path:
    path = folder / "models.toml"
    path.write_text(body)
    return path


def test_registered_model_is_listed_and_detects(tmp_path, models_dir, ssdlite_weights, samples_dir) -> None:
    models_file = _write_models_file(
        tmp_path,
        f'[models.my-ssd]\narchitecture = "ssdlite320_mobilenet_v3_large"\nweights = "{ssdlite_weights}"\n'
        'version = "random-1"\n',
    )
    registry = ModelRegistry(models_dir, models_file)

    assert [spec.name for spec in registry.specs] == [
        "nanodet",
        "centernet",
        "nanodet-int8",
        "centernet-int8",
        "nanodet+centernet",
        "my-ssd",
    ]
    spec = registry.spec("my-ssd")
    assert spec.version == "random-1" and spec.categories[16] == "dog" and spec.input_size is None

    photo = Image.open(samples_dir / "dog.jpg").convert("RGB")
    detections = registry.get("my-ssd").detect([photo], DetectOptions(score_threshold=0.0, max_detections=50))[0]

    # Random weights find nonsense, but it must be well-formed nonsense on the photo's own pixels.
    assert 0 < len(detections) <= 50
    assert detections.boxes[:, [0, 2]].max() <= 768 and detections.boxes[:, [1, 3]].max() <= 576
    assert set(detections.class_ids.tolist()) <= set(range(80))


def test_custom_category_list(tmp_path, models_dir) -> None:
    weights = tmp_path / "frcnn.pth"
    _save_random_model("fasterrcnn_mobilenet_v3_large_320_fpn", weights, num_classes=3)
    models_file = _write_models_file(
        tmp_path,
        '[models.parts]\narchitecture = "fasterrcnn_mobilenet_v3_large_320_fpn"\nweights = "frcnn.pth"\n'
        'categories = ["__background__", "bolt", "nut"]\n',
    )
    registry = ModelRegistry(models_dir, models_file)

    detector = registry.get("parts")
    found = detector.detect([Image.new("RGB", (320, 240), "gray")], DetectOptions(score_threshold=0.0))[0]

    assert set(found.labels) <= {"__background__", "bolt", "nut"}


def test_weights_of_another_architecture_are_refused(tmp_path, models_dir, ssdlite_weights) -> None:
    models_file = _write_models_file(
        tmp_path, f'[models.wrong]\narchitecture = "fcos_resnet50_fpn"\nweights = "{ssdlite_weights}"\n'
    )
    registry = ModelRegistry(models_dir, models_file)

    with pytest.raises(ModelLoadError, match="cannot load model 'wrong'"):
        registry.get("wrong")
    assert not registry.is_loaded("wrong")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[models.x]\narchitecture = 'yolo'\nweights = 'a.pth'\n", "architecture must be one of"),
        ("[models.x]\narchitecture = 'fcos_resnet50_fpn'\n", "'weights' .* is required"),
        (
            "[models.x]\narchitecture = 'fcos_resnet50_fpn'\nweights = 'a.pth'\ncategories = 'voc'\n",
            "categories",
        ),
        ("[models.x\n", "not valid TOML"),
        ("[models.nanodet]\narchitecture = 'fcos_resnet50_fpn'\nweights = 'a.pth'\n", "registered twice"),
    ],
)
def test_malformed_models_file_is_named(tmp_path, models_dir, body: str, message: str) -> None:
    with pytest.raises(ModelConfigError, match=message):
        ModelRegistry(models_dir, _write_models_file(tmp_path, body))


def test_missing_weights_file_is_reported_on_load(tmp_path, models_dir) -> None:
    models_file = _write_models_file(tmp_path, "[models.x]\narchitecture = 'fcos_resnet50_fpn'\nweights = 'gone.pth'\n")
    registry = ModelRegistry(models_dir, models_file)

    with pytest.raises(ModelLoadError, match="not found"):
        registry.get("x")


def test_sha256_mismatch_is_refused(tmp_path, models_dir, ssdlite_weights) -> None:
    models_file = _write_models_file(
        tmp_path,
        f'[models.x]\narchitecture = "ssdlite320_mobilenet_v3_large"\nweights = "{ssdlite_weights}"\n'
        f'sha256 = "{"0" * 64}"\n',
    )

    with pytest.raises(ModelLoadError, match="sha256"):
        ModelRegistry(models_dir, models_file).get("x")
