"""The detection service: the one way every caller (the API's views, evaluation runs, the command line)
gets detections.

It looks models up and loads them, runs one forward pass at a time per model, shares the cores with
the server's other workers, bounds the decoded pixels a worker holds, records each pass's time for
the metrics and stores predictions; it also holds the default model and the models' score
thresholds, and persists changes to them. Flask apps attach it with `init_app`; the command line
uses it as it is.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .config import Settings
from .detection.detections import Detections
from .detection.detector import Candidates, Detector
from .detection.images import DecodeSize, ImageError, Photo, decoded_pixels, load_photo
from .detection.options import DetectOptions
from .detection.registry import ModelRegistry, ModelSpec, UnknownModelError
from .server.core_sharing import PassTracker
from .server.memory import PixelBudget
from .server.shared_choices import SharedChoices

if TYPE_CHECKING:
    from flask import Flask

    from .storage.service import Storage

# Flask and the database are imported where they are used: `sightline detect` needs neither, and
# SQLAlchemy alone takes longer to import than a detection takes.

log = logging.getLogger("sightline.detection")

_EXTENSION = "sightline.detection"


@dataclass(frozen=True)
class DetectionResult:
    """What a model found in one photo, and what it took.

    photo: the photo as decoded (perhaps at reduced scale; `width`, `height` are the original's).
    inference_ms: the model's passes and post-processing for the photos sent together, without the
        time spent waiting for the model.
    decode_ms: decoding this photo; 0 when the caller decoded it.
    stored: {"image_id", "prediction_id"} once stored.
    """

    photo: Photo
    detections: Detections
    inference_ms: float
    decode_ms: float = 0.0
    stored: dict[str, int] | None = None


class DetectionService:
    """Thread-safe: any number of request threads may call it at once.

    Each model runs one pass at a time in a process: with one worker per core a second pass of the
    same model could only take time slices from the first, and would add its activations to memory.
    Requests for a model queue on its lock, first come first served; other models' requests do not
    wait for it, and a slow model load holds up only its own model's requests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        storage: Storage | None = None,
        on_pass: Callable[[str, float], None] | None = None,
        registry: ModelRegistry | None = None,
    ) -> None:
        """`storage`: where predictions are stored and the default model is kept across restarts (none: the
        command line). `on_pass(model, seconds)`: called after each model's passes (the metrics).
        `registry`: the models, when the caller holds them already (else built from `settings`)."""
        # The server's workers share a runtime directory: through it a lone pass takes every core
        # and an admin's choices reach every worker.
        runtime_dir = settings.runtime_dir
        self.cores = PassTracker(runtime_dir / "passes") if runtime_dir else None
        self.registry = registry or ModelRegistry.from_settings(settings, passes=self.cores)
        self.storage = storage
        self.max_pixels = settings.max_pixels
        self.pixel_budget = PixelBudget(settings.decode_pixels, settings.decode_wait)
        self._on_pass = on_pass
        self._pass_locks: dict[str, threading.Lock] = {}  # models come and go with the models file
        self._choices = SharedChoices(runtime_dir)
        self._loading: set[str] = set()
        self._loading_lock = threading.Lock()
        # model -> the forward-pass layouts its warm-up ran; a model is ready once it is here.
        self.warmed: dict[str, list[str]] = {}
        if storage is not None:
            self._restore_choices(storage)

    def init_app(self, app: Flask) -> None:
        app.extensions[_EXTENSION] = self

    # --- models and the choices made about them ---

    def spec(self, name: str | None = None) -> ModelSpec:
        """The model called `name` (None: the default model); raises UnknownModelError."""
        return self.registry.spec(name or self.default_model)

    @property
    def default_model(self) -> str:
        return self._choices.read().get("default_model") or self.registry.default

    def score_threshold(self, model: str) -> float | None:
        """The score threshold for requests with `model` that give none, if it was promoted with one."""
        return self._choices.read().get("score_thresholds", {}).get(model)

    def set_default_model(self, name: str, score_threshold: float | None = None) -> None:
        """Make `name` the default model (and `score_threshold` its threshold for requests that give none):
        in every worker now and, with storage, after restarts. It starts loading at once."""
        self.registry.spec(name)
        if self.storage is not None:
            from .storage import crud

            with self.storage.writing() as (session, _):
                crud.set_setting(session=session, key=crud.DEFAULT_MODEL_KEY, value=name)
                if score_threshold is not None:
                    key = crud.SCORE_THRESHOLD_KEY_PREFIX + name
                    crud.set_setting(session=session, key=key, value=repr(score_threshold))
        self._choices.update(name, {name: score_threshold} if score_threshold is not None else None)
        self.warm_up()

    def _restore_choices(self, storage: Storage) -> None:
        """The default model and score thresholds chosen before the last restart."""
        from .storage import crud

        with storage.sessions() as session:
            chosen = crud.get_setting(session=session, key=crud.DEFAULT_MODEL_KEY)
            thresholds = {}
            for spec in self.registry.specs:
                threshold = crud.get_setting(session=session, key=crud.SCORE_THRESHOLD_KEY_PREFIX + spec.name)
                if threshold is not None:
                    thresholds[spec.name] = float(threshold)
        if chosen:
            try:
                self.registry.spec(chosen)
            except UnknownModelError:
                log.warning(
                    "the default model chosen earlier, %r, is no longer registered; using %r",
                    chosen,
                    self.default_model,
                )
                chosen = None
        if chosen or thresholds:
            self._choices.update(chosen, thresholds)

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
            spec = self.registry.spec(name)
            detector = self.registry.detector(spec)
            # Warm-up passes are passes too: they queue with requests' on the models' locks.
            with contextlib.ExitStack() as held:
                for model in sorted(spec.members or (name,)):
                    held.enter_context(self.pass_lock(model))
                layouts = detector.warm_up()
            self.warmed[name] = layouts
            log.info("model %s loaded and warmed up (%s)", name, ", ".join(layouts))
        except Exception:  # a request for the model reports the failure to its client
            log.exception("cannot load model %s", name)
        finally:
            with self._loading_lock:
                self._loading.discard(name)

    # --- detection ---

    def detect(
        self,
        spec: ModelSpec,
        uploads: Sequence[bytes],
        options: DetectOptions,
        store: bool = False,
        file_names: Sequence[str | None] | None = None,
    ) -> list[DetectionResult]:
        """Decode each uploaded file only as large as the model needs and find objects in it; `store`:
        keep the files (with the names they were sent under, if given) and the predictions (one
        transaction). One result per file, in order.

        Raises ImageError for a file that is no usable photo (naming its position when there are
        several), ModelLoadError, or ServerBusyError when the photos found no room in the pixel budget.
        """
        results: list[DetectionResult] = []
        with self.busy():
            detector = self.registry.detector(spec)  # loads it (an ensemble: its members) on first use
            # A batch goes through in groups whose decoded pixels fit the worker's budget together.
            for group in _groups(uploads, detector.decode_size, self.pixel_budget.limit):
                with self.pixel_budget.hold(sum(pixels for _, _, pixels in group)):
                    photos, decode_ms = [], []
                    for position, data, _ in group:
                        started = time.perf_counter()
                        try:
                            photos.append(load_photo(data, self.max_pixels, detector.decode_size))
                        except ImageError as error:
                            if len(uploads) == 1:
                                raise
                            raise ImageError(error.reason, f"photo {position}: {error}") from error
                        decode_ms.append((time.perf_counter() - started) * 1000)
                    found, inference_ms = self._run(detector, photos, options)
                results += [
                    DetectionResult(photo, detections, inference_ms, decoding)
                    for photo, detections, decoding in zip(photos, found, decode_ms, strict=True)
                ]
        return self._store(spec, options, uploads, results, file_names) if store else results

    def detect_photos(self, spec: ModelSpec, photos: Sequence[Photo], options: DetectOptions) -> list[DetectionResult]:
        """Find objects in photos the caller decoded (evaluation runs: once for every model)."""
        with self.busy():
            detector = self.registry.detector(spec)
            found, inference_ms = self._run(detector, photos, options)
        return [
            DetectionResult(photo, detections, inference_ms) for photo, detections in zip(photos, found, strict=True)
        ]

    @contextlib.contextmanager
    def decoded(self, data: bytes, decode_size: DecodeSize | None = None) -> Iterator[Photo]:
        """The photo in `data`, its decoded pixels held in the worker's budget while the caller uses it."""
        with self.pixel_budget.hold(decoded_pixels(data, decode_size)):
            yield load_photo(data, self.max_pixels, decode_size)

    def busy(self) -> contextlib.AbstractContextManager:
        """Held while a request decodes and detects, so that other workers' passes meanwhile take one
        core each and leave the rest to this one (server/core_sharing.py)."""
        return self.cores.busy() if self.cores is not None else contextlib.nullcontext()

    def pass_lock(self, model: str) -> threading.Lock:
        """Held by each pass of `model` in this process: one at a time."""
        return self._pass_locks.setdefault(model, threading.Lock())

    def _run(
        self, detector: Detector, photos: Sequence[Photo], options: DetectOptions
    ) -> tuple[list[Detections], float]:
        """The detections per photo and the milliseconds of inference, queueing excluded."""
        waited = 0.0

        def run(member: Detector, member_photos: Sequence[Photo], score_floor: float) -> list[Candidates]:
            # Every pass, an ensemble member's or a mirrored one, queues on its own model's lock.
            nonlocal waited
            queued = time.perf_counter()
            with self.pass_lock(member.name):
                started = time.perf_counter()
                found = member.candidates(member_photos, score_floor)
                seconds = time.perf_counter() - started
            waited += started - queued
            if self._on_pass is not None and member.name != detector.name:
                self._on_pass(member.name, seconds)
            return found

        started = time.perf_counter()
        found = detector.detect(photos, options, run)
        elapsed = time.perf_counter() - started - waited
        if self._on_pass is not None:
            self._on_pass(detector.name, elapsed)
        return found, elapsed * 1000

    def _store(
        self,
        spec: ModelSpec,
        options: DetectOptions,
        uploads: Sequence[bytes],
        results: list[DetectionResult],
        file_names: Sequence[str | None] | None,
    ) -> list[DetectionResult]:
        """Keep the uploaded files (once per content) and this model's prediction on each, in one transaction."""
        if self.storage is None:
            raise RuntimeError("storing predictions needs a database")
        from .storage import crud

        stored = []
        with self.storage.writing() as (session, files):
            names = file_names if file_names is not None else [None] * len(uploads)
            for data, result, file_name in zip(uploads, results, names, strict=True):
                photo = result.photo
                row = crud.add_image(
                    session=session,
                    files=files,
                    data=data,
                    width=photo.width,
                    height=photo.height,
                    file_name=file_name,
                )
                prediction = crud.add_prediction(
                    session=session,
                    image=row,
                    model_name=spec.name,
                    model_version=spec.version,
                    parameters=_parameters(options),
                    detections=result.detections,
                    duration_ms=result.inference_ms,
                )
                stored.append(replace(result, stored={"image_id": row.id, "prediction_id": prediction.id}))
        return stored


def current_service() -> DetectionService:
    """The detection service of the app handling the request."""
    from flask import current_app

    return current_app.extensions[_EXTENSION]


def _groups(
    uploads: Sequence[bytes], decode_size: DecodeSize, pixel_limit: int
) -> Iterator[list[tuple[int, bytes, int]]]:
    """Consecutive (position, data, decoded pixels) runs whose pixels fit `pixel_limit` together."""
    group: list[tuple[int, bytes, int]] = []
    for position, data in enumerate(uploads, start=1):
        pixels = decoded_pixels(data, decode_size)
        if group and sum(held for _, _, held in group) + pixels > pixel_limit:
            yield group
            group = []
        group.append((position, data, pixels))
    if group:
        yield group


def _parameters(options: DetectOptions) -> dict:
    """The options a stored prediction was made with."""
    return {
        "score_threshold": options.score_threshold,
        "iou_threshold": options.iou_threshold,
        "classes": sorted(options.class_ids) if options.class_ids is not None else None,
        "max_detections": options.max_detections,
        "agnostic_nms": options.agnostic_nms,
        "tta_flip": options.tta_flip,
    }
