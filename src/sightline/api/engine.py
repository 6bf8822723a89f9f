"""The detection engine as the service holds it: models, the default-model choice, the serial front."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

from ..config import Settings
from ..detection.registry import ModelRegistry
from .inference import SerialDetector

log = logging.getLogger("sightline.api")


class DefaultModel:
    """The model used when a request names none; admins change it while the server runs.

    With several workers the choice lives in a file in the server's runtime directory, so every
    worker sees a change on its next request; a restart goes back to the configured default.
    """

    def __init__(self, configured: str, runtime_dir: Path | None) -> None:
        self._name = configured
        self._path = runtime_dir / "default-model" if runtime_dir else None

    def get(self) -> str:
        if self._path is None:
            return self._name
        try:
            return self._path.read_text().strip() or self._name
        except FileNotFoundError:
            return self._name

    def set(self, name: str) -> None:
        if self._path is None:
            self._name = name
            return
        staging = self._path.with_name(f".default-model.{os.getpid()}")
        staging.write_text(name)
        os.replace(staging, self._path)  # atomic: a reader sees the old name or the new one


class ScoreThresholds:
    """Each model's score threshold for requests that give none, set when a model is promoted with its
    operating point; shared by the workers through a file in the runtime directory, like `DefaultModel`."""

    def __init__(self, runtime_dir: Path | None) -> None:
        self._chosen: dict[str, float] = {}
        self._path = runtime_dir / "score-thresholds.json" if runtime_dir else None

    def get(self, model: str) -> float | None:
        return self._read().get(model)

    def set(self, model: str, threshold: float) -> None:
        chosen = {**self._read(), model: threshold}
        if self._path is None:
            self._chosen = chosen
            return
        staging = self._path.with_name(f".score-thresholds.{os.getpid()}.{threading.get_ident()}")
        staging.write_text(json.dumps(chosen))
        os.replace(staging, self._path)

    def _read(self) -> dict[str, float]:
        if self._path is None:
            return self._chosen
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}


class Engine:
    def __init__(self, settings: Settings, on_pass: Callable[[str, float], None] | None = None) -> None:
        self.registry = ModelRegistry.from_settings(settings)
        self.detector = SerialDetector(self.registry, on_pass)
        self._default = DefaultModel(self.registry.default, settings.runtime_dir)
        self.score_thresholds = ScoreThresholds(settings.runtime_dir)
        self._loading: set[str] = set()
        self._loading_lock = threading.Lock()
        # model -> the forward-pass layouts its warm-up ran; a model is ready once it is here.
        self.warmed: dict[str, list[str]] = {}

    @property
    def default_model(self) -> str:
        return self._default.get()

    def busy(self) -> contextlib.AbstractContextManager:
        """Held while a request decodes and detects, so that other workers' passes meanwhile take one
        core each and leave the rest to this one (detection/sharing.py)."""
        passes = self.registry.passes
        return passes.busy() if passes is not None else contextlib.nullcontext()

    def set_default_model(self, name: str) -> None:
        self.registry.spec(name)
        self._default.set(name)
        self.warm_up()

    def is_ready(self) -> bool:
        return self.default_model in self.warmed

    def warm_up(self) -> None:
        """Load and warm up the default model in the background, so that no request waits for it."""
        name = self.default_model
        with self._loading_lock:
            if name in self.warmed or name in self._loading:
                return
            self._loading.add(name)
        # Not a daemon: the interpreter must not exit while PyTorch is half-way through loading.
        threading.Thread(target=self._load, args=(name,), name=f"load-{name}").start()

    def _load(self, name: str) -> None:
        try:
            layouts = self.registry.get(name).warm_up()
            self.warmed[name] = layouts
            log.info("model %s loaded and warmed up (%s)", name, ", ".join(layouts))
        except Exception:  # a request for the model reports the failure to its client
            log.exception("cannot load model %s", name)
        finally:
            with self._loading_lock:
                self._loading.discard(name)


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions["sightline.engine"] = engine


def current_engine() -> Engine:
    return current_app.extensions["sightline.engine"]
