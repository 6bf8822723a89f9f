"""CenterNet with a MobileNetV3 backbone, the second built-in detector: its input, decoding, weights
facts and builder.

The network, its peak decoding and the converter of its TF.js weights are in `network.py`
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

INPUT_SIZE = 512
OUTPUT_STRIDE = 4
NUM_CLASSES = 80


class CenterNetFamily(BuiltinFamily):
    """CenterNet-MobileNetV3 for the 80 COCO classes, 512x512."""

    name = "centernet"
    description = "CenterNet with a MobileNetV3 backbone, 512x512"
    license = "MIT (human-models package); upstream weights licence not stated"
    source_sha256: ClassVar[dict[str, str]] = {
        "centernet.json": "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
        "centernet.bin": "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
    }
    published_accuracy = "not published by the package"
    architecture = "centernet-mobilenetv3"
    # Raw RGB 0-255 stretched to the input, as the TF.js graph was fed.
    input_spec = InputSpec(size=(INPUT_SIZE, INPUT_SIZE), resize="stretch")
    # Its early layers lose most in int8 (mAP 0.38 quantized whole, 0.50 with 30 kept float).
    int8 = Quantization(float_first_convs=30)

    def network(self, weights: Path):
        from .network import DecodedCenterNet, build_centernet

        return DecodedCenterNet(build_centernet(weights))

    def decode(self, outputs, score_floor: float) -> list[Candidates]:
        boxes, scores, class_ids = outputs  # float32[B, K, 4] input pixels, float32[B, K], int64[B, K]
        keep = scores >= score_floor
        return [(b[k], s[k], c[k].astype(np.int64)) for b, s, c, k in zip(boxes, scores, class_ids, keep, strict=True)]

    def state_dict_from_tfjs(self, graph) -> dict:
        from .network import state_dict_from_tfjs

        return state_dict_from_tfjs(graph)


FAMILY = CenterNetFamily()
