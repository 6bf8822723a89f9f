"""Int8 versions of the built-in models' ONNX exports: static quantization calibrated on photos.

ONNX Runtime's own tools (`onnxruntime.quantization`) insert QuantizeLinear/DequantizeLinear pairs
(QDQ) around the convolutions, with ranges measured by running the float model on calibration
photos (MinMax: deterministic, so the same inputs give the same file). Everything after the last
convolution, the decoding tail, stays float. Which further nodes stay float, and whether weights
get a scale per channel, is chosen per model by measured accuracy (docs/decisions/0003-int8-models.md).
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

    op_types: the operators given int8 inputs and outputs (the rest runs in float).
    per_channel: one weight scale per output channel rather than per tensor.
    keep_float: names of convolutions left in float32 (measured to lose accuracy in int8).
    reduce_range: 7-bit weights, the ORT remedy for U8S8 saturation on AVX2 without VNNI.
    unsigned_weights: uint8 weights (U8U8), the other remedy: slower kernels, no saturation.
    percentile_ranges: activation ranges from the 99.999th percentile instead of min/max.
    """

    op_types: tuple[str, ...] = ("Conv",)
    per_channel: bool = True
    keep_float: tuple[str, ...] = ()
    reduce_range: bool = False
    unsigned_weights: bool = False
    percentile_ranges: bool = False


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

    int8_onnx.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=int8_onnx.parent) as scratch:
        partial = Path(scratch) / "model.onnx"
        quantize_static(
            str(float_onnx),
            str(partial),
            Photos(),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=list(quantization.op_types),
            per_channel=quantization.per_channel,
            reduce_range=quantization.reduce_range,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QUInt8 if quantization.unsigned_weights else QuantType.QInt8,
            nodes_to_exclude=list(quantization.keep_float),
            calibrate_method=CalibrationMethod.Percentile
            if quantization.percentile_ranges
            else CalibrationMethod.MinMax,
            extra_options={"CalibTensorRangeSymmetric": False},
        )
        model = onnx.load(str(partial))
        # The quantizer stamps its own name and version; the file is otherwise a function of its inputs.
        onnx.save(model, str(partial))
        os.chmod(partial, 0o644)
        os.replace(partial, int8_onnx)
    return int8_onnx
