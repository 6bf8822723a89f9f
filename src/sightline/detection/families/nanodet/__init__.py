"""NanoDet-g, the default detector: its input, decoding, weights facts and builder.

The network, its GFL box decoding and the converter of its TF.js weights are in `network.py`
(PyTorch, imported only when the module is built or converted).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from ...detector import Candidates
from ...preprocessing import InputSpec
from ...quantization import Quantization
from ..builtin import BuiltinFamily

INPUT_SIZE = 416
STRIDES = (8, 16, 32)
REG_MAX = 10  # each box side is a distribution over REG_MAX + 1 bins
NUM_CLASSES = 80


class NanoDetFamily(BuiltinFamily):
    """NanoDet-g for the 80 COCO classes, 416x416."""

    name = "nanodet"
    description = "NanoDet-g, 416x416, 3.8M parameters: fast general-object detector (default)"
    license = "Apache-2.0 (NanoDet); MIT (human-models package)"
    source_sha256: ClassVar[dict[str, str]] = {
        "nanodet.json": "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
        "nanodet.bin": "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
    }
    published_accuracy = "COCO val2017 mAP 22.9 at 416x416 (NanoDet-g, NanoDet README)"
    architecture = "nanodet-g"
    # Upstream training's input (letterboxed BGR, its mean and std), not the TF.js host's RGB / 255:
    # chosen by measured accuracy (docs/decisions/0006-nanodet-input.md).
    input_spec = InputSpec(
        size=(INPUT_SIZE, INPUT_SIZE),
        resize="letterbox",
        channels="BGR",
        mean=(103.53, 116.28, 123.675),
        std=(57.375, 57.12, 58.395),
    )
    int8 = Quantization()

    def network(self, weights: Path):
        from .network import DecodedNanoDet, build_nanodet

        return DecodedNanoDet(build_nanodet(weights))

    def decode(self, outputs, score_floor: float) -> list[Candidates]:
        boxes, scores = outputs  # float32[B, N, 4] input pixels, float32[B, N, 80]
        found = []
        # Multi-label: a cell yields one candidate per class over the floor, as in NanoDet's own post-processing.
        for image_boxes, image_scores in zip(boxes, scores, strict=True):
            cells, class_ids = np.nonzero(image_scores >= score_floor)
            found.append((image_boxes[cells], image_scores[cells, class_ids], class_ids.astype(np.int64)))
        return found

    def state_dict_from_tfjs(self, graph) -> dict:
        from .network import state_dict_from_tfjs

        return state_dict_from_tfjs(graph)


FAMILY = NanoDetFamily()
