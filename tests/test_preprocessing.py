"""Fitting photos into a model input and mapping boxes back are exact inverses."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sightline.detection.preprocessing import InputSpec, prepare


@pytest.mark.parametrize("resize", ["stretch", "letterbox"])
@pytest.mark.parametrize("size", [(416, 416), (1000, 300), (200, 900)])
def test_a_box_drawn_on_the_photo_maps_back_to_itself(resize: str, size: tuple[int, int]) -> None:
    width, height = size
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    x1, y1, x2, y2 = width // 4, height // 3, width // 2, height * 2 // 3
    pixels[y1:y2, x1:x2] = 255
    tensor, placement = prepare(Image.fromarray(pixels), InputSpec(size=(416, 416), resize=resize))

    # Find the white block in the model input and map its extent back.
    ys, xs = np.nonzero(tensor[..., 0] > 127)
    found = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], dtype=np.float32)
    back = placement.to_original(found)[0].tolist()

    tolerance = max(width, height) / 416 + 1  # one model-input pixel, in photo pixels
    assert back == pytest.approx([x1, y1, x2, y2], abs=tolerance)


def test_letterbox_keeps_aspect_and_centres() -> None:
    tensor, placement = prepare(Image.new("RGB", (800, 400), "white"), InputSpec(size=(416, 416), resize="letterbox"))

    assert placement.scale_x == placement.scale_y == pytest.approx(416 / 800)
    assert placement.offset_x == 0 and placement.offset_y == 104
    assert tensor.shape == (416, 416, 3) and tensor.dtype == np.uint8
    assert tensor[:104].max() == 0 and tensor[104:312].min() == 255


def test_the_served_model_normalises_in_the_network_channel_order() -> None:
    import torch

    from sightline.detection.served import ServedModel

    spec = InputSpec(size=(8, 8), channels="BGR", mean=(10.0, 20.0, 30.0), std=(2.0, 4.0, 5.0))
    pixels, _ = prepare(Image.new("RGB", (8, 8), (100, 150, 200)), spec)
    served = ServedModel(torch.nn.Identity(), spec)

    seen = served(torch.from_numpy(pixels[None].copy()))

    assert seen.shape == (1, 3, 8, 8)
    assert seen[0, :, 0, 0].tolist() == pytest.approx([(200 - 10) / 2, (150 - 20) / 4, (100 - 30) / 5])


def test_boxes_are_clipped_to_the_photo() -> None:
    _, placement = prepare(Image.new("RGB", (100, 50)), InputSpec(size=(416, 416)))

    clipped = placement.to_original(np.array([[-20.0, -5.0, 500.0, 430.0]]))

    assert clipped[0].tolist() == [0.0, 0.0, 100.0, 50.0]
