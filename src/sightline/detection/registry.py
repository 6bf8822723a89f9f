"""The catalogue of models (name -> spec: its family and weights facts) and the cache of loaded detectors.

Built-in models come from the built-in families (`families/nanodet`, `families/centernet`,
`families/ensemble`); users add their own in the models file (models.toml, see `models_file.py`).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from .detector import Detector
from .families import centernet, ensemble, nanodet
from .families.base import LoadContext
from .models_file import read_models_file
from .runtime import RUNTIMES, CoreSharing
from .spec import ModelConfigError, ModelLoadError, ModelSpec, UnknownModelError, file_sha256

log = logging.getLogger("sightline.detection")

DEFAULT_MODEL = "nanodet"

# What `ModelSpec.format` reports: how a model was brought.
MODEL_FORMATS = ("builtin", "torchvision", "onnx", "transformers", "ensemble")


def builtin_specs(models_dir: Path) -> list[ModelSpec]:
    """The built-in models, each in float32 and in an int8 variant named `<model>-int8`."""
    float_specs, int8_specs = zip(
        *(family.specs(models_dir) for family in (nanodet.FAMILY, centernet.FAMILY)), strict=True
    )
    return [*float_specs, *int8_specs]


def build_detector(spec: ModelSpec, context: LoadContext | None = None) -> Detector:
    """Load a model's weights and wrap it with its pre- and post-processing (its family's `build`).

    Raises ModelLoadError, saying why and how to fix it, when the model cannot be loaded.
    """
    context = context or LoadContext()
    file = spec.weights.name
    fix = spec.family.fix(spec)
    if spec.problem:
        raise ModelLoadError(
            f"model {spec.name!r} cannot be used: {spec.problem}; {fix}",
            f"model {spec.name!r} cannot be used: its entry or its file {file} is not usable "
            f"({spec.problem.replace(str(spec.weights.parent), '…')}); {fix}",
        )
    if not spec.weights.exists():
        raise ModelLoadError(
            f"weights for model {spec.name!r} not found at {spec.weights}; {fix}",
            f"weights file {file} of model {spec.name!r} is missing; {fix}",
        )
    if spec.weights_sha256 and file_sha256(spec.weights) != spec.weights_sha256.lower():
        raise ModelLoadError(
            f"weights for model {spec.name!r} at {spec.weights} do not match their sha256",
            f"weights file {file} of model {spec.name!r} does not match the sha256 in models.toml; {fix}",
        )
    try:
        return spec.family.build(spec, context)
    except ModelLoadError:
        raise
    except Exception as error:  # safetensors, onnx and ONNX Runtime each raise their own types for a bad file
        raise ModelLoadError(
            f"cannot load model {spec.name!r} from {spec.weights}: {error}; {fix}",
            f"model {spec.name!r} cannot be loaded: {file} is damaged or not a model file this server can use "
            f"({type(error).__name__}); {fix}",
        ) from error


def _file_state(path: Path | None) -> tuple | None:
    """Changes whenever the file is replaced or rewritten; None when it is absent."""
    try:
        status = os.stat(path) if path is not None else None
    except OSError:
        return None
    return status and (status.st_mtime_ns, status.st_size, status.st_ino)


def _weights_state(spec: ModelSpec) -> tuple:
    """What a load depended on: a re-fetched or re-exported file makes the model load again."""
    paths = [spec.weights]
    if spec.weights.is_dir():
        paths = sorted(spec.weights.iterdir())
    elif spec.builtin:
        paths += sorted(spec.weights.parent.glob(f"{spec.name}.*.onnx"))
    if spec.export is not None:
        paths.append(spec.export)
    return tuple((path.name, _file_state(path)) for path in paths)


class ModelRegistry:
    """All known models; each is loaded on first use, once, without blocking other models.

    The models file is looked at again (one stat) whenever a model is asked for: added, changed and
    removed entries take effect in every process at its next request. A model whose load failed is
    tried again when its weights change; until then it answers the same `ModelLoadError`.
    """

    def __init__(
        self,
        models_dir: Path,
        models_file: Path | None = None,
        default: str = DEFAULT_MODEL,
        inference_backend: str = "onnxruntime",
        threads: int = 0,
        passes: CoreSharing | None = None,
    ) -> None:
        if inference_backend not in RUNTIMES:
            raise ValueError(f"unknown inference backend {inference_backend!r}; use one of {', '.join(RUNTIMES)}")
        self.inference_backend = inference_backend
        self.threads = threads
        self.passes = passes
        self._context = LoadContext(inference_backend, threads, passes, member=self.get)
        self.models_dir = Path(models_dir)
        self.models_file = Path(models_file) if models_file is not None else None
        self._builtin = builtin_specs(self.models_dir) + ensemble.FAMILY.builtin_specs(self.models_dir)
        self._specs: dict[str, ModelSpec] = {}
        self._file_seen: tuple | None = ("never read",)
        self._refresh_lock = threading.Lock()
        self._detectors: dict[str, tuple[ModelSpec, tuple, Detector]] = {}
        self._failures: dict[str, tuple[ModelSpec, tuple, ModelLoadError]] = {}
        self._locks: dict[str, threading.Lock] = {}
        # Entries found unusable when read, by the state of their files then: a file that changes since
        # (exported again) makes the models file be read again.
        self._unusable: dict[str, tuple] = {}
        self.refresh(strict=True)
        self.default = default
        self.spec(default)

    def refresh(self, strict: bool = False) -> None:
        """Read the models file again if it changed since it was last read.

        A file that became invalid is reported in the log and the entries read before stay in use
        (strict: raise ModelConfigError instead, as at start).
        """
        seen = _file_state(self.models_file)
        if seen == self._file_seen and not self._unusable_changed():
            return
        with self._refresh_lock:
            if seen == self._file_seen and not self._unusable_changed():
                return
            try:
                specs = list(self._builtin)
                if seen is not None:
                    specs += read_models_file(self.models_file)
                named: dict[str, ModelSpec] = {}
                for spec in specs:
                    if spec.name in named:
                        raise ModelConfigError(f"model name {spec.name!r} is registered twice")
                    named[spec.name] = spec
                named = {
                    name: ensemble.FAMILY.with_member_classes(spec, named) if spec.members else spec
                    for name, spec in named.items()
                }
            except (ModelConfigError, OSError) as error:
                if strict:
                    raise
                log.error("models file not reloaded, the models read before stay in use: %s", error)
                self._file_seen = seen
                return
            if self._specs:
                changed = sorted(
                    set(named) ^ set(self._specs) | {n for n in named if self._specs.get(n, named[n]) != named[n]}
                )
                if changed:
                    log.info("models file %s read again; changed: %s", self.models_file, ", ".join(changed))
            self._specs = named
            self._file_seen = seen
            self._unusable = {n: _weights_state(spec) for n, spec in named.items() if spec.problem}
            for name in [n for n in self._detectors if n not in named]:
                self._detectors.pop(name, None)

    @classmethod
    def from_settings(cls, settings, passes: CoreSharing | None = None) -> ModelRegistry:
        """The registry a `sightline.config.Settings` describes; `passes`: see OnnxRuntimeForward."""
        return cls(
            settings.models_dir,
            settings.models_file,
            settings.default_model,
            inference_backend=settings.inference_backend,
            threads=settings.inference_threads,
            passes=passes,
        )

    def _unusable_changed(self) -> bool:
        return any(_weights_state(self._specs[n]) != state for n, state in self._unusable.items() if n in self._specs)

    @property
    def specs(self) -> list[ModelSpec]:
        self.refresh()
        return list(self._specs.values())

    def spec(self, name: str) -> ModelSpec:
        self.refresh()
        specs = self._specs
        try:
            return specs[name]
        except KeyError:
            raise UnknownModelError(f"unknown model {name!r}; known models: {', '.join(specs)}") from None

    def is_loaded(self, name: str) -> bool:
        spec = self._specs.get(name)
        if spec is not None and spec.members:
            return all(self.is_loaded(member) for member in spec.members)
        loaded = self._detectors.get(name)
        return loaded is not None and loaded[0] == self._specs.get(name)

    def load_error(self, name: str) -> ModelLoadError | None:
        """Why the model's last load failed, while its spec and weights are unchanged since."""
        failed = self._failures.get(name)
        spec = self._specs.get(name)
        if failed is None or spec is None or failed[0] != spec or failed[1] != _weights_state(spec):
            return None
        return failed[2]

    def get(self, name: str | None = None) -> Detector:
        """The loaded detector for `name` (default model when None), loading it if needed.

        Raises UnknownModelError for a name it does not know, ModelLoadError as `detector` does.
        """
        return self.detector(self.spec(name or self.default))

    def detector(self, spec: ModelSpec) -> Detector:
        """The loaded detector for a model already looked up, loading it if needed.

        Raises ModelLoadError, saying why and how to fix it, when the model cannot be loaded.
        """
        if not spec.family.cached:  # an ensemble: its members are loaded and cached as themselves
            return spec.family.build(spec, self._context)
        state = _weights_state(spec)
        loaded = self._detectors.get(spec.name)
        if loaded is not None and loaded[:2] == (spec, state):
            return loaded[2]
        # One lock per model: loading a slow model never holds up requests for another.
        with self._locks.setdefault(spec.name, threading.Lock()):
            loaded = self._detectors.get(spec.name)
            if loaded is not None and loaded[:2] == (spec, state):
                return loaded[2]
            failed = self._failures.get(spec.name)
            if failed is not None and failed[:2] == (spec, state):
                raise failed[2]
            try:
                detector = build_detector(spec, self._context)
            except ModelLoadError as error:
                self._failures[spec.name] = (spec, state, error)
                raise
            self._failures.pop(spec.name, None)
            self._detectors[spec.name] = (spec, state, detector)
            return detector
