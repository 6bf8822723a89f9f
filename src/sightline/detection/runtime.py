"""Where a fixed-input model's forward pass runs: PyTorch eager, or ONNX Runtime on the same module.

ONNX Runtime executes the very module we built, exported with `torch.onnx.export`; its outputs match
eager PyTorch to float32 round-off (see tests/test_runtime.py). It is the faster and steadier of the
two on small CPU boxes (figures in the README, from bench/engine.py), so it is the default.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

RUNTIMES = ("onnxruntime", "torch")

# A forward pass: batch FloatTensor[B, 3, H, W] -> the model's output tensors.
Forward = Callable[[torch.Tensor], Sequence[torch.Tensor]]


class OnnxRuntimeForward:
    """Calls an ONNX Runtime session as if it were the module it was exported from. Thread-safe."""

    def __init__(self, onnx_path: Path, threads: int = 0) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, batch: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = self.session.run(None, {self.input_name: batch.contiguous().numpy()})
        return tuple(torch.from_numpy(output) for output in outputs)


def export_onnx(module: nn.Module, input_size: tuple[int, int], path: Path) -> Path:
    """Export `module` for inputs FloatTensor[B, 3, height, width] (any batch size) to `path`, atomically."""
    width, height = input_size
    example = torch.zeros(1, 3, height, width)
    with torch.inference_mode():
        output_count = len(module(example))
    output_names = [f"output_{i}" for i in range(output_count)]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".onnx.partial")
    os.close(handle)
    try:
        with warnings.catch_warnings():
            # The TorchScript-based exporter announces its own deprecation on every call.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                partial,
                dynamo=False,
                opset_version=17,
                input_names=["images"],
                output_names=output_names,
                dynamic_axes={name: {0: "batch"} for name in ["images", *output_names]},
            )
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path


def make_forward(
    module: nn.Module, runtime: str, input_size: tuple[int, int], onnx_path: Path, threads: int
) -> Forward:
    """The forward pass for `runtime`; the ONNX file is exported once and reused while it exists."""
    if runtime == "torch":
        return module
    if runtime != "onnxruntime":
        raise ValueError(f"unknown runtime {runtime!r}; use one of {', '.join(RUNTIMES)}")
    if not onnx_path.is_file():
        export_onnx(module, input_size, onnx_path)
    return OnnxRuntimeForward(onnx_path, threads)
