"""Int8 versions of the built-in models' ONNX exports: static quantization calibrated on photos.

ONNX Runtime's own tools (`onnxruntime.quantization`) insert QuantizeLinear/DequantizeLinear pairs
(QDQ) around the convolutions, with ranges measured by running the float model on calibration
photos (MinMax: deterministic, so the same inputs give the same file). Everything else, the
decoding tail included, stays float. The settings per model were chosen by measured accuracy and
speed (docs/decisions/0002-reduced-decoding-and-int8.md).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Quantization:
    """How a model is quantized.

    per_channel: one weight scale per output channel rather than one per tensor.
    reduce_range: 7-bit weights. Without VNNI (plain AVX2), ONNX Runtime's u8 x s8 kernels add
        pairs of products in 16 bits, which saturate with full-range weights.
    float_first_convs: how many convolutions, counted from the input, stay float32.
    """

    per_channel: bool = True
    reduce_range: bool = True
    float_first_convs: int = 0


def quantize(float_onnx: Path, int8_onnx: Path, calibration: Sequence[np.ndarray], quantization: Quantization) -> Path:
    """Write the int8 model to `int8_onnx`, atomically.

    calibration: uint8[1, H, W, 3] model inputs (photos fitted to the input), in a fixed order.
    """
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Photos(CalibrationDataReader):
        def __init__(self) -> None:
            self._batches: Iterator[np.ndarray] = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self._batches, None)
            return None if batch is None else {"images": batch}

    convolutions = [node.name for node in onnx.load(str(float_onnx)).graph.node if node.op_type == "Conv"]
    int8_onnx.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=int8_onnx.parent) as scratch:
        partial = Path(scratch) / "model.onnx"
        quantize_static(
            str(float_onnx),
            str(partial),
            Photos(),
            quant_format=QuantFormat.QDQ,
            # Convolutions are nearly all the compute; int8 elsewhere measured slower, not faster.
            op_types_to_quantize=["Conv"],
            per_channel=quantization.per_channel,
            reduce_range=quantization.reduce_range,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=convolutions[: quantization.float_first_convs],
            calibrate_method=CalibrationMethod.MinMax,
        )
        os.chmod(partial, 0o644)
        os.replace(partial, int8_onnx)
    return int8_onnx
