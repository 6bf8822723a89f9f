"""ONNX Runtime runs the same models as PyTorch, with the same results."""

from __future__ import annotations

import numpy as np
import pytest
import torch

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
    batch = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(0)) * 255

    with torch.inference_mode():
        expected = torch_registry.get(model).forward(batch)
        actual = registry.get(model).forward(batch)

    for want, got in zip(expected, actual, strict=True):
        assert got.shape == want.shape
        torch.testing.assert_close(got, want, atol=2e-3, rtol=1e-4)


@pytest.mark.parametrize("model", ["nanodet", "centernet"])
def test_both_backends_find_the_same_objects(registry, torch_registry, samples_dir, model: str) -> None:
    photo = load_image(samples_dir / "dog.jpg")
    options = DetectOptions(score_threshold=0.2)

    with_onnxruntime = registry.get(model).detect([photo], options)[0]
    with_torch = torch_registry.get(model).detect([photo], options)[0]

    assert with_onnxruntime.labels == with_torch.labels
    np.testing.assert_allclose(with_onnxruntime.boxes, with_torch.boxes, atol=0.05)
    np.testing.assert_allclose(with_onnxruntime.scores, with_torch.scores, atol=1e-4)


def test_unknown_backend_is_refused(models_dir) -> None:
    with pytest.raises(ValueError, match="unknown inference backend 'tensorrt'"):
        ModelRegistry(models_dir, inference_backend="tensorrt")
