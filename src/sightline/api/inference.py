"""Detection for the request threads of one worker: each model runs one forward pass at a time.

There is one worker per core (see `server.py`), and a pass takes the cores that are free: a second
pass of the same model in the same worker could only take time slices from the first, and would
add its activations to memory. Requests for a model
queue on its lock, first come first served; other models' requests do not wait for it, and a slow
model load holds up only its own model's requests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..detection.detections import Detections
from ..detection.detector import Candidates, Detector
from ..detection.images import DecodeSize, Photo
from ..detection.options import DetectOptions
from ..detection.registry import ModelRegistry


@dataclass(frozen=True)
class Detected:
    detections: Detections
    inference_ms: float  # the forward pass and post-processing of the photos sent together


class SerialDetector:
    """Thread-safe front of a `ModelRegistry`: `detect` may be called from any number of threads."""

    def __init__(self, registry: ModelRegistry, on_pass: Callable[[str, float], None] | None = None) -> None:
        self.registry = registry
        self._on_pass = on_pass
        self._locks: dict[str, threading.Lock] = {}  # models come and go with the models file

    def decode_size(self, model: str) -> DecodeSize:
        """How small a photo for `model` may be decoded (`images.load_photo`); loads the model if needed."""
        return self.registry.get(model).decode_size

    def detect(self, model: str, images: Sequence[Photo], options: DetectOptions) -> list[Detected]:
        detector = self.registry.get(model)  # loads the model (an ensemble: its members) on first use, once
        waited = 0.0

        def run(member: Detector, photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
            # Every pass, an ensemble member's or a mirrored one, queues on its own model's lock.
            nonlocal waited
            queued = time.perf_counter()
            with self._locks.setdefault(member.name, threading.Lock()):
                started = time.perf_counter()
                found = member.candidates(photos, score_floor)
                seconds = time.perf_counter() - started
            waited += started - queued
            if self._on_pass is not None and member.name != model:
                self._on_pass(member.name, seconds)
            return found

        started = time.perf_counter()
        found = detector.detect(images, options, run)
        elapsed = time.perf_counter() - started - waited  # time spent queueing is not inference
        if self._on_pass is not None:
            self._on_pass(model, elapsed)
        return [Detected(detections, elapsed * 1000) for detections in found]
