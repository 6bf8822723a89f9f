"""NanoDet port: TF.js weight conversion, parity with TensorFlow.js on real photos, decoding, export."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
import torch
from PIL import Image
from safetensors.torch import save_file
from torchvision.ops import batched_nms

from sightline.detection.families.nanodet import INPUT_SIZE, REG_MAX, STRIDES
from sightline.detection.families.nanodet.network import (
    DecodedNanoDet,
    NanoDet,
    build_nanodet,
    state_dict_from_tfjs,
)
from sightline.detection.tfjs import load_tfjs_graph
from tfjs_runner import run_tfjs

PHOTOS = ("astronaut", "coffee")
NUM_CELLS = sum((INPUT_SIZE // stride) ** 2 for stride in STRIDES)
# Measured against tfjs 4.22.0 (wasm and cpu backends) on astronaut, coffee, chelsea and rocket:
# at most 1.04e-6 on scores and 1.45e-5 on box logits (|logits| up to 8.9).
SCORE_ATOL = 5e-6
BOX_LOGIT_ATOL = 5e-5
TOP_K = 10


@pytest.fixture(scope="module")
def model_json(tfjs_models_dir):
    return tfjs_models_dir / "nanodet.json"


@pytest.fixture(scope="module")
def tfjs_state_dict(model_json):
    return state_dict_from_tfjs(load_tfjs_graph(model_json))


@pytest.fixture(scope="module")
def model(tfjs_state_dict, tmp_path_factory):
    weights = tmp_path_factory.mktemp("weights") / "nanodet.safetensors"
    save_file(tfjs_state_dict, weights)
    return build_nanodet(weights)


def photo_tensor(name: str) -> np.ndarray:
    """A scikit-image sample photo as the model's input: float32 [1, 3, 416, 416], RGB / 255."""
    image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    pixels = np.asarray(image.resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR), dtype=np.float32) / 255
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[None])


@pytest.fixture(scope="module", params=PHOTOS)
def photo_outputs(request, model, model_json):
    """(ours, TF.js's): each a (scores [3549, 80], box_logits [3549, 44]) pair for the same input."""
    images = photo_tensor(request.param)
    outputs = run_tfjs(model_json, images, backend="wasm")
    reference = tuple(
        np.concatenate([outputs[f"{name}:0"][0] for name in names])
        for names in (("Identity", "Identity_1", "Identity_2"), ("Identity_3", "Identity_4", "Identity_5"))
    )
    with torch.no_grad():
        scores, box_logits = model(torch.from_numpy(images))
    return (scores[0].numpy(), box_logits[0].numpy()), reference


class _FixedLogits(torch.nn.Module):
    """Stands in for the network: answers the given box logits whatever the images."""

    def __init__(self, box_logits: torch.Tensor) -> None:
        super().__init__()
        self.box_logits = box_logits

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.zeros(*self.box_logits.shape[:2], 80), self.box_logits


def decode_boxes(box_logits: torch.Tensor) -> torch.Tensor:
    """Boxes FloatTensor[B, N, 4], xyxy, input pixels: what the served NanoDet makes of these GFL logits."""
    images = torch.zeros(box_logits.shape[0], 3, INPUT_SIZE, INPUT_SIZE)
    with torch.no_grad():
        boxes, _ = DecodedNanoDet(_FixedLogits(box_logits))(images)
    return boxes


def top_detections(scores: np.ndarray, box_logits: np.ndarray, min_score: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Class ids [K] and boxes [K, 4] xyxy of the TOP_K best (cell, class) pairs above min_score after NMS."""
    boxes = decode_boxes(torch.from_numpy(box_logits)[None])[0]
    cells, classes = np.nonzero(scores > min_score)
    candidate_scores = torch.from_numpy(scores[cells, classes])
    keep = batched_nms(boxes[cells], candidate_scores, torch.from_numpy(classes), 0.6)[:TOP_K]
    return classes[keep.numpy()], boxes[cells][keep].numpy()


def test_every_tfjs_weight_fills_one_parameter(model_json, tfjs_state_dict):
    expected = NanoDet().state_dict()
    assert {key: value.shape for key, value in tfjs_state_dict.items()} == {
        key: value.shape for key, value in expected.items()
    }
    graph = load_tfjs_graph(model_json)
    # Every float constant is a kernel or a bias, except the max-pool's -inf padding value.
    weights = [value for value in graph.tensors.values() if value.dtype == np.float32 and value.ndim > 0]
    assert sum(value.numel() for value in tfjs_state_dict.values()) == sum(value.size for value in weights)
    assert sorted(np.sort(value.numpy(), axis=None).tobytes() for value in tfjs_state_dict.values()) == sorted(
        np.sort(value, axis=None).tobytes() for value in weights
    )


@pytest.mark.tfjs
def test_scores_match_tfjs(photo_outputs):
    (scores, _), (reference, _) = photo_outputs
    assert scores.shape == reference.shape == (NUM_CELLS, 80)
    np.testing.assert_allclose(scores, reference, rtol=0, atol=SCORE_ATOL)


@pytest.mark.tfjs
def test_box_logits_match_tfjs(photo_outputs):
    (_, box_logits), (_, reference) = photo_outputs
    assert box_logits.shape == reference.shape == (NUM_CELLS, 4 * (REG_MAX + 1))
    np.testing.assert_allclose(box_logits, reference, rtol=0, atol=BOX_LOGIT_ATOL)


@pytest.mark.tfjs
@pytest.mark.parametrize("min_score", [0.3, 0.05])
def test_top_detections_match_tfjs(photo_outputs, min_score):
    ours, reference = photo_outputs
    classes, boxes = top_detections(*ours, min_score)
    reference_classes, reference_boxes = top_detections(*reference, min_score)
    assert len(classes) > 0
    np.testing.assert_array_equal(classes, reference_classes)
    np.testing.assert_allclose(boxes, reference_boxes, rtol=0, atol=0.5)


def test_astronaut_is_a_person(model):
    with torch.no_grad():
        scores, box_logits = model(torch.from_numpy(photo_tensor("astronaut")))
    classes, boxes = top_detections(scores[0].numpy(), box_logits[0].numpy())
    assert classes[0] == 0  # COCO "person"
    x1, y1, x2, y2 = boxes[0]
    assert x2 - x1 > INPUT_SIZE / 3 and y2 - y1 > INPUT_SIZE / 2


@pytest.mark.parametrize("level", range(len(STRIDES)))
def test_decode_boxes_measures_from_cell_centres(level):
    stride = STRIDES[level]
    grid = INPUT_SIZE // stride
    row, col = grid // 2, grid // 3
    cell = sum((INPUT_SIZE // s) ** 2 for s in STRIDES[:level]) + row * grid + col
    box_logits = torch.zeros(2, NUM_CELLS, 4, REG_MAX + 1)
    # Left 1 bin, top 2, right 3, bottom 4: each a near-certain softmax.
    box_logits[:, cell, torch.arange(4), torch.arange(1, 5)] = 50.0

    boxes = decode_boxes(box_logits.flatten(2))

    centre_x, centre_y = (col + 0.5) * stride, (row + 0.5) * stride
    expected = torch.tensor([centre_x - stride, centre_y - 2 * stride, centre_x + 3 * stride, centre_y + 4 * stride])
    expected = expected.clamp(0, INPUT_SIZE)
    assert boxes.shape == (2, NUM_CELLS, 4)
    torch.testing.assert_close(boxes[0, cell], expected)
    torch.testing.assert_close(boxes[1, cell], expected)


def test_decode_boxes_takes_the_expected_bin():
    box_logits = torch.zeros(1, NUM_CELLS, 4 * (REG_MAX + 1))  # uniform over bins: expected bin REG_MAX / 2
    grid = INPUT_SIZE // STRIDES[0]
    row = col = grid // 2
    centre = (col + 0.5) * STRIDES[0]
    half_size = REG_MAX / 2 * STRIDES[0]
    boxes = decode_boxes(box_logits)
    expected = torch.tensor([centre - half_size, centre - half_size, centre + half_size, centre + half_size])
    torch.testing.assert_close(boxes[0, row * grid + col], expected)


@pytest.mark.filterwarnings("ignore:`torch.jit.trace")
def test_traced_module_matches_eager(model):
    images = torch.from_numpy(photo_tensor("coffee"))
    with torch.no_grad():
        traced = torch.jit.trace(model, images, check_trace=False)
        for expected, actual in zip(model(images), traced(images), strict=True):
            torch.testing.assert_close(actual, expected, rtol=0, atol=0)


def test_onnx_export_matches_eager(model, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime", reason="the [onnx] extra is not installed")
    images = torch.from_numpy(np.concatenate([photo_tensor(name) for name in PHOTOS]))
    path = tmp_path / "nanodet.onnx"
    torch.onnx.export(
        model,
        (images[:1],),
        path,
        dynamo=True,
        input_names=["images"],
        output_names=["scores", "box_logits"],
        dynamic_shapes=({0: torch.export.Dim("batch")},),
    )
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    scores, box_logits = session.run(None, {"images": images.numpy()})
    with torch.no_grad():
        expected_scores, expected_box_logits = model(images)
    np.testing.assert_allclose(scores, expected_scores.numpy(), rtol=0, atol=SCORE_ATOL)
    np.testing.assert_allclose(box_logits, expected_box_logits.numpy(), rtol=0, atol=BOX_LOGIT_ATOL)
