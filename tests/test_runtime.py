"""ONNX Runtime runs the same models as PyTorch, with the same results, without loading PyTorch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from torchvision.ops import batched_nms as torchvision_batched_nms

from sightline.detection.detector import batched_nms
from sightline.detection.images import load_image
from sightline.detection.options import DetectOptions
from sightline.detection.registry import ModelRegistry


@pytest.fixture(scope="module")
def torch_registry(models_dir) -> ModelRegistry:
    return ModelRegistry(models_dir, inference_backend="torch")


@pytest.mark.parametrize("model", ["nanodet", "centernet"])
def test_onnxruntime_outputs_match_pytorch(registry, torch_registry, model: str) -> None:
    assert registry.inference_backend == "onnxruntime"
    size = registry.spec(model).input_size[0]
    batch = np.random.default_rng(0).integers(0, 256, (2, size, size, 3), dtype=np.uint8)

    expected = torch_registry.get(model).forward(batch)
    actual = registry.get(model).forward(batch)

    for want, got in zip(expected, actual, strict=True):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, atol=2e-2 if want.dtype == np.float32 else 0, rtol=1e-4)


@pytest.mark.parametrize("model", ["nanodet", "centernet"])
def test_both_backends_find_the_same_objects(registry, torch_registry, samples_dir, model: str) -> None:
    photo = load_image(samples_dir / "dog.jpg")
    options = DetectOptions(score_threshold=0.2)

    with_onnxruntime = registry.get(model).detect([photo], options)[0]
    with_torch = torch_registry.get(model).detect([photo], options)[0]

    assert with_onnxruntime.labels == with_torch.labels
    np.testing.assert_allclose(with_onnxruntime.boxes, with_torch.boxes, atol=0.05)
    np.testing.assert_allclose(with_onnxruntime.scores, with_torch.scores, atol=1e-4)


@pytest.mark.parametrize("seed", range(5))
def test_nms_keeps_what_torchvision_keeps(seed: int) -> None:
    rng = np.random.default_rng(seed)
    corners = rng.uniform(0, 400, (300, 2)).astype(np.float32)
    boxes = np.concatenate([corners, corners + rng.uniform(5, 120, (300, 2)).astype(np.float32)], axis=1)
    scores = rng.uniform(0, 1, 300).astype(np.float32)
    class_ids = rng.integers(0, 4, 300)

    ours = batched_nms(boxes, scores, class_ids, 0.5)
    theirs = torchvision_batched_nms(torch.tensor(boxes), torch.tensor(scores), torch.tensor(class_ids), 0.5)

    assert ours.tolist() == theirs.tolist()


def test_serving_through_onnxruntime_never_loads_pytorch(models_dir, samples_dir) -> None:
    script = (
        "import json, sys\n"
        "from sightline.detection.registry import ModelRegistry\n"
        "from sightline.detection.images import load_image\n"
        f"registry = ModelRegistry({str(models_dir)!r})\n"
        f"photo = load_image({str(samples_dir / 'dog.jpg')!r})\n"
        "found = [registry.get(name).detect([photo])[0] for name in ('nanodet', 'centernet')]\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'labels': [list(f.labels) for f in found]}))\n"
    )
    result = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    )

    assert result["torch"] is False
    assert "dog" in result["labels"][0] and "dog" in result["labels"][1]


def test_unknown_backend_is_refused(models_dir) -> None:
    with pytest.raises(ValueError, match="unknown inference backend 'tensorrt'"):
        ModelRegistry(models_dir, inference_backend="tensorrt")
