"""CenterNet port: TF.js weight conversion, parity with TensorFlow.js on real photos, decoding, export."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import skimage.data
import torch
from PIL import Image
from safetensors.torch import save_file

from sightline.detection.families.centernet import INPUT_SIZE, OUTPUT_STRIDE
from sightline.detection.families.centernet.network import (
    CenterNet,
    build_centernet,
    decode_detections,
    state_dict_from_tfjs,
)
from sightline.detection.tfjs import load_tfjs_graph
from tfjs_runner import run_tfjs

PHOTOS = ("astronaut", "coffee")
# Measured against tfjs 4.22.0 (wasm; the cpu backend agrees as closely) on astronaut, coffee,
# chelsea and rocket: heatmap at most 1.2e-6, box regression 0.021 px (values up to 330 px);
# detections above 0.2: boxes 1.2e-4 px, scores 8.4e-7. The limits leave about a 10x margin.
HEATMAP_ATOL = 1e-5
BOX_REGRESSION_ATOL = 0.05
BOX_ATOL = 1e-2
SCORE_ATOL = 1e-5
MIN_SCORE = 0.2


@pytest.fixture(scope="module")
def model_json(tfjs_models_dir: Path) -> Path:
    return tfjs_models_dir / "centernet.json"


@pytest.fixture(scope="module")
def tfjs_state_dict(model_json: Path) -> dict[str, torch.Tensor]:
    return state_dict_from_tfjs(load_tfjs_graph(model_json))


@pytest.fixture(scope="module")
def model(tfjs_state_dict: dict[str, torch.Tensor], tmp_path_factory: pytest.TempPathFactory) -> CenterNet:
    weights = tmp_path_factory.mktemp("weights") / "centernet.safetensors"
    save_file(tfjs_state_dict, weights)
    return build_centernet(weights)


def photo_pixels(name: str) -> np.ndarray:
    """A scikit-image sample photo resized to the model input: float32 [512, 512, 3], RGB 0-255."""
    image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    return np.asarray(image.resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR), dtype=np.float32)


def photo_tensor(name: str) -> torch.Tensor:
    """The same pixels as the model's input: FloatTensor[1, 3, 512, 512]."""
    return torch.from_numpy(photo_pixels(name)).permute(2, 0, 1)[None].contiguous()


@pytest.fixture(scope="module", params=PHOTOS)
def photo_outputs(request: pytest.FixtureRequest, model: CenterNet, model_json: Path):
    """(ours, TF.js's) for the same input; ours is (heatmap, box_regression) in NCHW, TF.js's is a dict in NHWC."""
    reference = run_tfjs(model_json, photo_pixels(request.param)[None], backend="wasm")
    with torch.inference_mode():
        ours = model(photo_tensor(request.param))
    return ours, reference


def test_converter_rejects_a_graph_missing_a_conv(model_json: Path) -> None:
    graph = load_tfjs_graph(model_json)
    last_conv = next(node for node in reversed(graph.nodes) if node.op == "_FusedConv2D")
    truncated = dataclasses.replace(graph, nodes=tuple(node for node in graph.nodes if node is not last_conv))

    with pytest.raises(AssertionError, match="convs"):
        state_dict_from_tfjs(truncated)


def test_build_centernet_loads_weights_in_eval_mode(model: CenterNet, tfjs_state_dict) -> None:
    assert not model.training
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, tfjs_state_dict[name], rtol=0, atol=0)


@pytest.mark.tfjs
def test_heatmap_matches_tfjs(photo_outputs) -> None:
    (heatmap, _), reference = photo_outputs
    np.testing.assert_allclose(
        heatmap.permute(0, 2, 3, 1).numpy(), reference["tower_0/keypoints"], rtol=0, atol=HEATMAP_ATOL
    )


@pytest.mark.tfjs
def test_box_regression_matches_tfjs(photo_outputs) -> None:
    (_, box_regression), reference = photo_outputs
    np.testing.assert_allclose(
        box_regression.permute(0, 2, 3, 1).numpy(), reference["tower_0/wh"], rtol=0, atol=BOX_REGRESSION_ATOL
    )


@pytest.mark.tfjs
def test_detections_match_tfjs(photo_outputs) -> None:
    (heatmap, box_regression), reference = photo_outputs
    expected = reference["tower_0/detections"][0]
    expected = expected[expected[:, 4] > MIN_SCORE]
    assert len(expected) > 0, "the photo should give confident detections"

    boxes, scores, class_ids = (output[0] for output in decode_detections(heatmap, box_regression))
    keep = scores > MIN_SCORE

    assert class_ids[keep].tolist() == expected[:, 5].astype(int).tolist()
    np.testing.assert_allclose(boxes[keep].numpy(), expected[:, :4], rtol=0, atol=BOX_ATOL)
    np.testing.assert_allclose(scores[keep].numpy(), expected[:, 4], rtol=0, atol=SCORE_ATOL)


def heatmap_with_peaks(peaks: dict[tuple[int, int, int], float]) -> torch.Tensor:
    """FloatTensor[1, 80, 128, 128], zero except at the given (class, row, col) positions."""
    heatmap = torch.zeros(1, 80, 128, 128)
    for (class_id, row, col), score in peaks.items():
        heatmap[0, class_id, row, col] = score
    return heatmap


def test_decode_keeps_peaks_and_builds_boxes_from_edge_distances() -> None:
    heatmap = heatmap_with_peaks(
        {
            (3, 10, 20): 0.9,
            (7, 10, 20): 0.8,  # same cell, another class: the same box comes out twice
            (3, 10, 21): 0.5,  # beside a stronger score of its class: not a peak
            (5, 100, 50): 0.7,
        }
    )
    box_regression = torch.zeros(1, 4, 128, 128)
    box_regression[0, :, 10, 20] = torch.tensor([8.0, 4.0, 12.0, 16.0])
    box_regression[0, :, 100, 50] = torch.tensor([1.0, 2.0, 3.0, 4.0])

    boxes, scores, class_ids = decode_detections(heatmap, box_regression, max_detections=3)

    assert class_ids.tolist() == [[3, 7, 5]]
    torch.testing.assert_close(scores, torch.tensor([[0.9, 0.8, 0.7]]))
    x, y = 20 * OUTPUT_STRIDE, 10 * OUTPUT_STRIDE
    first_box = [x - 8.0, y - 4.0, x + 12.0, y + 16.0]
    x, y = 50 * OUTPUT_STRIDE, 100 * OUTPUT_STRIDE
    torch.testing.assert_close(boxes, torch.tensor([[first_box, first_box, [x - 1.0, y - 2.0, x + 3.0, y + 4.0]]]))


def test_decode_breaks_score_ties_by_cell_then_class_like_tfjs() -> None:
    heatmap = heatmap_with_peaks({(9, 50, 50): 0.6, (2, 50, 50): 0.6, (1, 5, 100): 0.6, (4, 5, 90): 0.6})

    _, _, class_ids = decode_detections(heatmap, torch.zeros(1, 4, 128, 128), max_detections=4)

    assert class_ids.tolist() == [[4, 1, 2, 9]]


def test_decode_treats_each_image_of_a_batch_separately() -> None:
    generator = torch.Generator().manual_seed(0)
    heatmap = torch.rand(2, 80, 128, 128, generator=generator)
    box_regression = torch.rand(2, 4, 128, 128, generator=generator) * 100

    batched = decode_detections(heatmap, box_regression)
    singles = [decode_detections(heatmap[i : i + 1], box_regression[i : i + 1]) for i in range(2)]

    for batched_output, *single_outputs in zip(batched, *singles, strict=True):
        torch.testing.assert_close(batched_output, torch.cat(single_outputs))


def two_photos() -> torch.Tensor:
    return torch.cat([photo_tensor(name) for name in PHOTOS])


@pytest.mark.filterwarnings("ignore:`torch.jit.trace")
def test_traced_module_matches_eager(model: CenterNet) -> None:
    images = two_photos()
    with torch.no_grad():
        traced = torch.jit.trace(model, images[:1])
        pairs = zip(traced(images), model(images), (HEATMAP_ATOL, BOX_REGRESSION_ATOL), strict=True)
    for traced_output, eager_output, atol in pairs:
        torch.testing.assert_close(traced_output, eager_output, rtol=0, atol=atol)


def test_onnx_export_matches_eager(model: CenterNet, tmp_path: Path) -> None:
    onnxruntime = pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")
    images = two_photos()
    onnx_path = tmp_path / "centernet.onnx"
    torch.onnx.export(
        model,
        (images[:1],),
        str(onnx_path),
        input_names=["images"],
        output_names=["heatmap", "box_regression"],
        dynamic_shapes={"images": {0: torch.export.Dim("batch", min=1, max=16)}},
    )
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    exported = session.run(None, {"images": images.numpy()})
    with torch.inference_mode():
        eager = model(images)

    for exported_output, eager_output, atol in zip(exported, eager, (HEATMAP_ATOL, BOX_REGRESSION_ATOL), strict=True):
        np.testing.assert_allclose(exported_output, eager_output.numpy(), rtol=0, atol=atol)
