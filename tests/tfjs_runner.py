"""Run a TF.js graph model with TensorFlow.js itself, as the reference for our PyTorch ports.

Wraps tests/tfjs_reference/run.mjs (Node). Outputs are keyed by the model signature's output
names, e.g. "Identity_2:0" (NanoDet) or "tower_0/detections" (CenterNet).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

REFERENCE_DIR = Path(__file__).resolve().parent / "tfjs_reference"
BACKENDS = ("wasm", "cpu")


def node_available() -> bool:
    """True when both node and npm are on PATH (npm is needed once, to install the runner)."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _ensure_installed() -> None:
    if (REFERENCE_DIR / "node_modules" / "@tensorflow" / "tfjs-backend-wasm").is_dir():
        return
    # --ignore-scripts: the only install script in the tree is core-js's banner.
    proc = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=REFERENCE_DIR,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"npm ci in {REFERENCE_DIR} failed:\n{proc.stderr.strip()}")


def run_tfjs(model_json: Path, inputs: np.ndarray, backend: str = "wasm") -> dict[str, np.ndarray]:
    """Execute `model_json` on `inputs` (the model's single input) with TF.js `backend`.

    `inputs` is converted to C-order float32. Returns every signature output as a float32 array.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if not node_available():
        raise RuntimeError("node/npm not found on PATH; the TF.js reference needs Node.js")
    _ensure_installed()
    with tempfile.TemporaryDirectory(prefix="tfjs_ref_") as tmp:
        tmp_path = Path(tmp)
        np.save(tmp_path / "input.npy", np.ascontiguousarray(inputs, dtype="<f4"))
        out_dir = tmp_path / "out"
        proc = subprocess.run(
            [
                "node",
                str(REFERENCE_DIR / "run.mjs"),
                "--model",
                str(Path(model_json).resolve()),
                "--input",
                str(tmp_path / "input.npy"),
                "--out",
                str(out_dir),
                "--backend",
                backend,
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"TF.js reference run failed ({backend}): {proc.stderr.strip()}")
        index = json.loads((out_dir / "outputs.json").read_text())
        return {name: np.load(out_dir / entry["file"]) for name, entry in index["outputs"].items()}
