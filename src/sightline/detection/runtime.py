"""Where a fixed-input model's forward pass runs: ONNX Runtime (default) or PyTorch eager.

ONNX Runtime executes the very module we built (model plus decoding), exported once with
`torch.onnx.export`; its outputs match eager PyTorch to float32 round-off (tests/test_runtime.py).
It is faster on small CPU boxes, and a process that serves through it never imports PyTorch, which
alone costs about 700 MB of memory and a second of start-up with the CUDA build of torch that PyPI
ships (figures in the README, from bench/engine.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from torch import nn

RUNTIMES = ("onnxruntime", "torch")


class CoreSharing(Protocol):
    """Decides, as each pass starts, whether it may take every core or only one; whoever runs several
    passes at once (the server: `sightline.server.core_sharing`) knows what else is running."""

    def running(self) -> AbstractContextManager[bool]:
        """Held for the duration of one pass; yields True when the pass may take every core."""


class OnnxRuntimeForward:
    """Calls an ONNX Runtime session as if it were the module it was exported from. Thread-safe.

    Given a `CoreSharing`, it keeps a second, single-thread session and runs a pass on it whenever
    that says the pass may not take every core.
    """

    def __init__(self, onnx_path: Path, threads: int = 0, passes: CoreSharing | None = None) -> None:
        self.session = _session(onnx_path, threads)
        self.input_name = self.session.get_inputs()[0].name
        self.passes = passes if threads != 1 else None
        self.one_core_session = _session(onnx_path, 1) if self.passes is not None else None

    @property
    def layouts(self) -> dict[str, object]:
        """The sessions a pass may run on, by thread layout."""
        layouts = {"all cores": self.session}
        if self.one_core_session is not None:
            layouts["one core"] = self.one_core_session
        return layouts

    def warm_up(self, batch: np.ndarray) -> list[str]:
        """One pass on each session: ONNX Runtime plans its memory and kernels on a session's first
        run, which costs that request several passes' worth. Returns the layouts run."""
        feed = {self.input_name: np.ascontiguousarray(batch)}
        for session in self.layouts.values():
            session.run(None, feed)
        return list(self.layouts)

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        feed = {self.input_name: np.ascontiguousarray(batch)}
        if self.passes is None:
            return self.session.run(None, feed)
        with self.passes.running() as alone:
            return (self.session if alone else self.one_core_session).run(None, feed)


def _session(onnx_path: Path, threads: int):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    # Pool threads spin-wait between the operators of a pass (1-2 ms faster than sleeping on
    # NanoDet), then sleep as soon as it ends instead of spinning on, taking the cores that other
    # work needs (about 10 ms of CPU per pass otherwise; bench/engine.py).
    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    options.add_session_config_entry("session.force_spinning_stop", "1")
    return onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


class TorchForward:
    """Calls a PyTorch module on NumPy input and returns NumPy outputs."""

    def __init__(self, module: nn.Module, threads: int = 0) -> None:
        import torch

        if threads > 0:
            torch.set_num_threads(threads)
        self.module = module

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        import torch

        with torch.inference_mode():
            outputs = self.module(torch.from_numpy(np.ascontiguousarray(batch)))
        return [output.numpy() for output in outputs]


def export_onnx(module: nn.Module, input_size: tuple[int, int], path: Path) -> Path:
    """Export a served module (UInt8Tensor[B, height, width, 3] pixels in, any batch size) to `path`, atomically.

    The dynamo exporter is used: its graph ran CenterNet about 10% faster in ONNX Runtime than the
    TorchScript exporter's, with identical outputs (bench/engine.py).
    """
    import torch

    width, height = input_size
    # Batch 2, not 1: torch.export would treat a batch of 1 as a constant.
    example = torch.zeros(2, height, width, 3, dtype=torch.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".onnx.partial")
    os.close(handle)
    try:
        # The exporter reports each of its steps on stdout; `weights fetch` keeps its own output clean.
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                partial,
                dynamo=True,
                external_data=False,
                verbose=False,
                input_names=["images"],
                dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=1024)},),
            )
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path


def make_forward(
    build_module,
    runtime: str,
    input_size: tuple[int, int],
    onnx_path: Path,
    threads: int,
    passes: CoreSharing | None = None,
) -> OnnxRuntimeForward | TorchForward:
    """The forward pass for `runtime`. `build_module()` makes the PyTorch module; with ONNX Runtime it
    is only called when the cached export at `onnx_path` is missing. `passes`: see OnnxRuntimeForward."""
    if runtime == "torch":
        return TorchForward(build_module(), threads)
    if runtime != "onnxruntime":
        raise ValueError(f"unknown runtime {runtime!r}; use one of {', '.join(RUNTIMES)}")
    if not onnx_path.is_file():
        export_onnx(build_module(), input_size, onnx_path)
    return OnnxRuntimeForward(onnx_path, threads, passes)
