"""The memory a model adds to a serving process once it is loaded and has run.

Measured in a fresh child process, so that what the server already holds (other models, earlier
requests, the allocator's free lists) cannot hide or inflate it: the child imports the serving
stack, decodes a photo, reads its resident set size (RSS), loads the model, runs one detection
(ONNX Runtime sizes its buffers on the first pass), and reads the RSS again. The difference is the
model's footprint: weights, runtime sessions and their buffers. An ensemble's is that of all its
members together; members a server has loaded already for their own requests are shared, not
loaded twice.

    python -m sightline.evaluation.footprint --models-dir DIR [--models-file FILE] MODEL
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

# A photo of a common camera size: what a first pass allocates depends on the model's input, not on this.
_PHOTO_SIZE = (1024, 768)
_TIMEOUT_S = 120


def resident_bytes() -> int:
    """This process's resident set size now (Linux), else its peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def model_memory_mb(
    name: str,
    models_dir: Path,
    models_file: Path | None = None,
    inference_backend: str = "onnxruntime",
    threads: int = 0,
) -> float | None:
    """RSS the model adds once loaded, in MB (10^6 bytes), measured in a child process; None if it failed."""
    command = [sys.executable, "-m", __name__, "--models-dir", str(models_dir), "--backend", inference_backend]
    command += ["--threads", str(threads), name]
    if models_file is not None:
        command += ["--models-file", str(models_file)]
    try:
        answer = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_S, check=True)
        return json.loads(answer.stdout.strip().splitlines()[-1])["memory_mb"]
    except (subprocess.SubprocessError, OSError, ValueError, IndexError, KeyError):
        return None


def _measure(args: argparse.Namespace) -> dict:
    import numpy as np
    from PIL import Image

    from ..detection.options import DetectOptions
    from ..detection.registry import ModelRegistry

    registry = ModelRegistry(
        args.models_dir, args.models_file, inference_backend=args.backend, threads=args.threads, default=args.model
    )
    pixels = np.random.default_rng(0).integers(0, 256, (_PHOTO_SIZE[1], _PHOTO_SIZE[0], 3), dtype=np.uint8)
    photo = Image.fromarray(pixels)
    if args.backend == "onnxruntime":
        import onnxruntime  # noqa: F401  a server has the runtime loaded before any model

    before = resident_bytes()
    registry.get(args.model).detect([photo], DetectOptions(score_threshold=0.05))
    return {"model": args.model, "memory_mb": round((resident_bytes() - before) / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--models-dir", type=Path, required=True)
    parser.add_argument("--models-file", type=Path)
    parser.add_argument("--backend", default="onnxruntime")
    parser.add_argument("--threads", type=int, default=0)
    print(json.dumps(_measure(parser.parse_args())))


if __name__ == "__main__":
    main()
