"""Smoke test of the TensorFlow.js reference runner that the port-equivalence tests rely on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tfjs_runner import run_tfjs

pytestmark = pytest.mark.tfjs


def test_nanodet_wasm_outputs_have_signature_shapes_and_sigmoid_scores(tfjs_models_dir: Path) -> None:
    outputs = run_tfjs(tfjs_models_dir / "nanodet.json", np.full((1, 3, 416, 416), 0.5, np.float32))

    cells = {"": 2704, "_1": 676, "_2": 169}  # strides 8, 16, 32
    expected = {f"Identity{s}:0": (1, n, 80) for s, n in cells.items()}
    expected |= {f"Identity_{i + 3}:0": (1, n, 44) for i, n in enumerate(cells.values())}
    assert {name: out.shape for name, out in outputs.items()} == expected
    for name, out in outputs.items():
        assert out.dtype == np.float32
        assert np.isfinite(out).all(), name
        if out.shape[-1] == 80:  # class scores leave the graph after a sigmoid
            assert out.min() >= 0.0 and out.max() <= 1.0, name
        else:  # box-distribution logits: signed, not squashed
            assert out.min() < 0.0 < out.max(), name
