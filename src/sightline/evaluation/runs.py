"""Evaluation runs: every model on every image of a dataset, scored, stored, compared.

Each photo is decoded once and given to every model in turn, so an evaluation costs about the
models' own time plus the metric; progress and a heartbeat are written as it goes, so the page
can follow it and a run whose server stopped is recognised as failed.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ..detection.options import DetectOptions
from ..storage import crud
from ..storage.models import Evaluation, EvaluationResult, EvaluationStatus, utcnow
from ..storage.service import Storage
from .datasets import LabelledImage, load_dataset
from .footprint import model_memory_mb
from .metrics import SUMMARY_KEYS, AveragePrecision
from .provenance import provenance, source_counts

if TYPE_CHECKING:
    # Given by the caller (the server's, or the command line's): evaluation passes queue with requests.
    from ..service import DetectionService

log = logging.getLogger(__name__)

# COCO practice: keep low-scoring boxes so the precision-recall curve is complete, at most 100 per image.
EVALUATION_OPTIONS = DetectOptions(score_threshold=0.05, iou_threshold=0.5, max_detections=100)
# Decimals a comparison shows (and compares at); 3 for the mAP numbers.
_SHOWN_DECIMALS = {"latency_ms": 1, "latency_p50_ms": 1, "memory_mb": 1}
# How often progress is written while a run goes on.
_PROGRESS_INTERVAL_S = 1.0
# What a model costs, beside its accuracy: the comparison's rows after the mAP ones; lower is better.
COST_KEYS = ("latency_ms", "latency_p50_ms", "memory_mb")


class EvaluationError(ValueError):
    """An evaluation cannot start: no model named, an empty dataset."""


class EvaluationBusyError(RuntimeError):
    """Another evaluation is still running; one at a time keeps the server responsive."""


@dataclass(frozen=True)
class ModelScore:
    model_name: str
    model_version: str
    image_count: int
    latency_ms: float
    metrics: dict  # SUMMARY_KEYS, per_class, and the costs latency_p50_ms and memory_mb (None: not measured)


def score_models(
    images: Sequence[LabelledImage],
    read: Callable[[str], bytes],
    service: DetectionService,
    models: Sequence[str],
    progress: Callable[[int], None] = lambda done: None,
    measure_memory: Callable[[str], float | None] | None = None,
) -> list[ModelScore]:
    """Run each model on each image (decoded once) and score it; `progress(images done)` after each image.

    Each model's time per photo is taken on this server as it runs (mean and median; time spent
    waiting for a request's pass of the same model is left out); its memory by
    `measure_memory(model name)` in MB, when given (see footprint.py).
    """
    specs = [service.spec(name) for name in models]
    metrics = [AveragePrecision() for _ in specs]
    model_seconds: list[list[float]] = [[] for _ in specs]
    for done, image in enumerate(images, start=1):
        with service.decoded(read(image.sha256)) as picture:
            for index, spec in enumerate(specs):
                [found] = service.detect_photos(spec, [picture], EVALUATION_OPTIONS)
                model_seconds[index].append(found.inference_ms / 1000)
                metrics[index].update(found.detections, image.truth, image.crowd)
        progress(done)
    sources = source_counts(images)
    return [
        ModelScore(
            model_name=spec.name,
            model_version=spec.version,
            image_count=len(images),
            latency_ms=1000.0 * sum(seconds) / max(len(images), 1),
            metrics={
                **_with_photos(metric.compute(), images),
                "provenance": provenance(sources, spec.name),
                "latency_p50_ms": 1000.0 * statistics.median(seconds) if seconds else None,
                "memory_mb": measure_memory(spec.name) if measure_memory else None,
            },
        )
        for spec, metric, seconds in zip(specs, metrics, model_seconds, strict=True)
    ]


def _with_photos(metrics: dict, images: Sequence[LabelledImage]) -> dict:
    """Name the photo of each photo error by its stored id (the Review screen's) and file name."""
    for errors in metrics["photo_errors"]:
        image = images[errors.pop("index")]
        errors.update(image_id=image.image_id, file_name=image.file_name, width=image.width, height=image.height)
    return metrics


def _rank_key(result: EvaluationResult | ModelScore) -> tuple[float, float, float]:
    metrics = result.metrics
    return (metrics.get("map") or 0.0, metrics.get("map_50") or 0.0, -result.latency_ms)


def recommend(results: Sequence[EvaluationResult | ModelScore]) -> str | None:
    """The model with the highest mAP; ties go to the higher mAP@50, then to the faster model."""
    return max(results, key=_rank_key).model_name if results else None


def create_evaluation(storage: Storage, service: DetectionService, models: Sequence[str], dataset: str) -> Evaluation:
    """Check the request and record a queued evaluation; raises EvaluationError or crud.NotFoundError."""
    models = list(dict.fromkeys(name.strip() for name in models if name.strip()))
    if not models:
        raise EvaluationError("name at least one model to evaluate")
    for name in models:
        service.spec(name)
    with storage.sessions() as session:
        crud.fail_abandoned_evaluations(session=session)
        running = crud.unfinished_evaluation(session=session)
        if running is not None:
            raise EvaluationBusyError(f"evaluation {running.id} is still {running.status.value}; wait for it to finish")
        images = load_dataset(session=session, name=dataset)
        if not images:
            hint = " (mark some stored photos reviewed first)" if dataset == "reviewed" else ""
            raise EvaluationError(f"dataset {dataset!r} has no images{hint}")
        evaluation = crud.create_evaluation(session=session, dataset=dataset, models=models, image_count=len(images))
        session.commit()
        return evaluation


def run_evaluation(
    storage: Storage,
    service: DetectionService,
    evaluation_id: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Run a queued evaluation to the end, storing progress, results and the recommended model."""
    with storage.sessions() as session:
        evaluation = crud.get_evaluation(session=session, evaluation_id=evaluation_id)
        evaluation.status, evaluation.heartbeat_at = EvaluationStatus.RUNNING, utcnow()
        session.commit()
        last_report = 0.0

        def progress(done: int) -> None:
            nonlocal last_report
            if on_progress:
                on_progress(done, evaluation.progress_total)
            now = time.monotonic()
            if now - last_report >= _PROGRESS_INTERVAL_S or done == evaluation.progress_total:
                evaluation.progress_done, evaluation.heartbeat_at = done, utcnow()
                session.commit()
                last_report = now

        try:
            images = load_dataset(session=session, name=evaluation.dataset)
            evaluation.progress_total = len(images)
            registry = service.registry
            scores = score_models(
                images,
                storage.images.read,
                service,
                evaluation.models,
                progress,
                measure_memory=lambda name: model_memory_mb(
                    name, registry.models_dir, registry.models_file, registry.inference_backend, registry.threads
                ),
            )
            for score in scores:
                crud.add_evaluation_result(session=session, evaluation=evaluation, **asdict(score))
            evaluation.recommended_model = recommend(scores)
            evaluation.status = EvaluationStatus.DONE
        except Exception as error:
            log.exception("evaluation %s failed", evaluation_id)
            session.rollback()
            evaluation.status, evaluation.error = (
                EvaluationStatus.FAILED,
                " ".join(str(error).split()) or type(error).__name__,
            )
        evaluation.finished_at = evaluation.heartbeat_at = utcnow()
        session.commit()
        return crud.get_evaluation(session=session, evaluation_id=evaluation_id)


class EvaluationWorker:
    """Runs evaluations one at a time in a background thread of the server process."""

    def __init__(self, storage: Storage, service: DetectionService) -> None:
        self._storage, self._service = storage, service
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evaluation")

    def submit(self, evaluation_id: int) -> Future:
        return self._executor.submit(run_evaluation, self._storage, self._service, evaluation_id)

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)


def comparison(results: Sequence[EvaluationResult | ModelScore]) -> list[dict]:
    """Side-by-side rows: [{"metric", "values": {model: value}, "best": model}], summary metrics then costs.

    "best" is the highest value (the lowest for a cost); None when no model has a value, or when
    two models share the best value as it is shown (3 decimals, costs 1): a tie is no win.
    """
    rows = []
    for key in (*SUMMARY_KEYS, *COST_KEYS):
        values = {
            result.model_name: (result.latency_ms if key == "latency_ms" else result.metrics.get(key))
            for result in results
        }
        shown = {name: round(value, _SHOWN_DECIMALS.get(key, 3)) for name, value in values.items() if value is not None}
        best = None
        if shown:
            top = (min if key in COST_KEYS else max)(shown.values())
            leaders = [name for name, value in shown.items() if value == top]
            best = leaders[0] if len(leaders) == 1 else None
        rows.append({"metric": key, "values": values, "best": best})
    return rows


def format_comparison(results: Sequence[EvaluationResult | ModelScore]) -> str:
    """The comparison as a text table, one column per model, the best value of each row starred."""
    names = [result.model_name for result in results]
    width = max(12, *(len(name) + 2 for name in names))
    lines = ["metric".ljust(12) + "".join(name.rjust(width) for name in names)]
    for row in comparison(results):
        cells = []
        for name in names:
            value = row["values"][name]
            text = "n/a" if value is None else (f"{value:.1f}" if row["metric"] in COST_KEYS else f"{value:.3f}")
            cells.append((text + ("*" if row["best"] == name and len(names) > 1 else " ")).rjust(width))
        lines.append(row["metric"].ljust(12) + "".join(cells))
    return "\n".join(lines)
