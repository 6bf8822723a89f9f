"""Inference-engine benchmark: how fast each built-in model runs on this CPU, and what serving adds.

    .venv/bin/python bench/engine.py [--models nanodet,centernet] [--runs 50] [--json OUT.json]
        [--sections runtimes,int8,photos,memory,formats]

Per model, batch 1 on samples/dog.jpg with 2 threads: latency of the module in eager PyTorch, as a
frozen TorchScript trace, under torch.compile and in ONNX Runtime, and of `Detector.detect` end to end
with each inference backend; eager throughput over thread counts, batch sizes and processes; time from
process start to the first detection; peak memory; and the compute-bound floor (the forward's FLOPs
over a measured matmul rate). Prints a Markdown table; `--json` also writes the figures of every section
run (with the runtimes, every raw latency sample).

`int8`: each model's int8 variant beside its float32 export in ONNX Runtime, interleaved, with the
throughput ratio and COCO mAP on samples/. `photos`: `load_photo` + `detect` as a request does them,
on 0.5-24 MP photos upright and EXIF-rotated (bench/photos.py), as a multiple of the 768x576 sample,
with the IoU of the top box against a full-size decode. `memory`: peak RSS of one process with every
built-in model and variant loaded. `formats` (not run by default: it builds its models with the test-only
`ultralytics` and `transformers`): NanoDet beside random-initialised YOLO11n and RT-DETR-l ONNX exports and
a transformers RT-DETR checkpoint, forward and `detect()` time and the memory each adds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from PIL import Image
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.ops import box_iou

from photos import photo_set
from sightline.detection.detector import FixedInputDetector
from sightline.detection.images import load_image, load_photo
from sightline.detection.options import DetectOptions
from sightline.detection.preprocessing import prepare
from sightline.detection.registry import ModelRegistry, ModelSpec

# TorchScript is deprecated in favour of torch.compile; it is measured all the same, as the
# export that older deployment guides recommend.
warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")

ROOT = Path(__file__).resolve().parents[1]
# As the server reads it; the test suite points it at its own copy of the weights.
MODELS_DIR = Path(os.environ.get("SIGHTLINE_MODELS_DIR", ROOT / "var" / "models"))
PHOTO = ROOT / "samples" / "dog.jpg"

THREADS = 2
WARMUP_CALLS = 5
BLOCKS = 5
COMPILE_TIMEOUT_S = 180
WORKER_START_TIMEOUT_S = 120
STARTUP_REPEATS = 3
MATMUL_SIZE = 2048
MATMUL_REPEATS = 20
THROUGHPUT_SETTINGS = ((1, 1), (1, 4), (2, 1), (2, 4))  # (threads, batch size)
# Module runtimes, as opposed to the serving paths, which wrap one of them.
BACKENDS = ("eager", "traced", "compiled", "onnxruntime", "onnxruntime_spin_stopped", "onnxruntime_no_spin")
# ONNX Runtime's pool threads between operators and after a pass: spin on, spin until the pass ends, sleep.
SPIN_MODES = {
    "onnxruntime": {"session.intra_op.allow_spinning": "1"},
    "onnxruntime_spin_stopped": {"session.intra_op.allow_spinning": "1", "session.force_spinning_stop": "1"},
    "onnxruntime_no_spin": {"session.intra_op.allow_spinning": "0"},
}
IDLE_GAP_S = 0.01  # between passes when measuring what spinning costs a server that is not fully busy
LABELS = {
    "eager": "PyTorch eager",
    "traced": "TorchScript trace, frozen",
    "compiled": "torch.compile (inductor)",
    "onnxruntime": "ONNX Runtime",
    "onnxruntime_spin_stopped": "ONNX Runtime, workers spinning until the pass ends (serving)",
    "onnxruntime_no_spin": "ONNX Runtime, workers not spinning",
    "serving_onnxruntime": "serving `detect()`, onnxruntime backend (default)",
    "serving_torch": "serving `detect()`, torch backend",
}

# Runs in a fresh interpreter: time.time() comes first so that interpreter launch is measured too.
# argv: parent's time.time() just before spawning, models dir, comma-separated model names, photo.
# Timings cover all named models in turn. Peak RSS is VmHWM, which starts afresh at exec; ru_maxrss
# would carry over the benchmark process's own peak through fork.
PROBE = """
import time
started = time.time()
import json, re, sys
from pathlib import Path
import_start = time.perf_counter()
from sightline.detection.images import load_image
from sightline.detection.options import DetectOptions
from sightline.detection.registry import ModelRegistry
imported = time.perf_counter()
registry = ModelRegistry(Path(sys.argv[2]))
detectors = [registry.get(name) for name in sys.argv[3].split(",")]
loaded = time.perf_counter()
photo = load_image(sys.argv[4])
decoded = time.perf_counter()
for detector in detectors:
    detector.detect([photo], DetectOptions())
detected = time.perf_counter()
print(json.dumps({
    "to_first_detection_s": time.time() - float(sys.argv[1]),
    "launch_s": started - float(sys.argv[1]),
    "imports_s": imported - import_start,
    "model_load_s": loaded - imported,
    "image_decode_s": decoded - loaded,
    "first_detect_s": detected - decoded,
    "peak_rss_mb": int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())[1]) / 1024,
    "torch_imported": "torch" in sys.modules,
}))
"""

# A call being benchmarked returns its own timings in ms: at least "total", possibly a breakdown.
TimedCall = Callable[[], dict[str, float]]


def machine_info() -> dict:
    """CPU model, core count, library versions and the load average before timing starts."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "unknown CPU",
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "onnxruntime": ort.__version__,
        "load_average_1min": os.getloadavg()[0],
    }


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50 and p95 of latencies in milliseconds."""
    return {"p50": float(np.percentile(samples_ms, 50)), "p95": float(np.percentile(samples_ms, 95))}


def timed(call: Callable[[], object]) -> TimedCall:
    """`call` as a TimedCall reporting only its total time."""

    def run() -> dict[str, float]:
        start = time.perf_counter()
        call()
        return {"total": (time.perf_counter() - start) * 1e3}

    return run


def time_in_blocks(calls: dict[str, TimedCall], runs: int) -> dict[str, dict[str, list[float]]]:
    """`runs` timings per call, after warm-up, taken in BLOCKS rounds that visit every call in turn.

    Rounds share bursts of load from other processes out between the calls instead of letting them
    land on whichever was being timed; the untimed call opening each block absorbs what the previous
    call left behind (ONNX Runtime workers still spinning, caches filled with other weights).
    Returns, per call, each timing key -> its samples in ms.
    """
    for call in calls.values():
        for _ in range(WARMUP_CALLS):
            call()
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in calls}
    for block in range(BLOCKS):
        for name, call in calls.items():
            call()
            for _ in range(runs // BLOCKS + (block < runs % BLOCKS)):
                for key, value in call().items():
                    samples[name].setdefault(key, []).append(value)
    return samples


def model_input(spec: ModelSpec, photo: Image.Image) -> torch.Tensor:
    """The photo as the served module takes it: UInt8Tensor[1, H, W, 3] RGB pixels fitted to its input."""
    pixels, _ = prepare(photo, spec.input_spec)
    return torch.tensor(pixels).unsqueeze(0)  # a copy: `prepare` may return a read-only view of the image


def served_module(model_name: str) -> tuple[ModelSpec, nn.Module]:
    """A built-in model's spec and the PyTorch module it serves: normalisation, network, box decoding.

    That module is the unit both inference backends run, the one exported to ONNX.
    """
    spec = ModelRegistry(MODELS_DIR).spec(model_name)
    if not spec.builtin:
        raise SystemExit(f"{model_name}: only the built-in models are benchmarked here")
    return spec, spec.family.served_module(spec)


def max_abs_diff(expected: Sequence[torch.Tensor], actual: Sequence[torch.Tensor | np.ndarray]) -> float:
    """Largest absolute difference over all outputs of two backends."""
    return max(float((torch.as_tensor(got) - want).abs().max()) for want, got in zip(expected, actual, strict=True))


def frozen_trace(module: nn.Module, example: torch.Tensor) -> torch.jit.ScriptModule:
    """The TorchScript deployment recipe: trace, freeze, optimize_for_inference."""
    with torch.no_grad():
        traced = torch.jit.trace(module, example)
    return torch.jit.optimize_for_inference(torch.jit.freeze(traced))


def export_onnx(module: nn.Module, example: torch.Tensor, path: Path) -> dict[str, str]:
    """Export with the dynamo exporter, or the TorchScript one at opset 17 if that fails; says which."""
    try:
        # The dynamo exporter narrates its steps on stdout; keep the report readable.
        with contextlib.redirect_stdout(io.StringIO()):
            torch.onnx.export(module, (example,), path, dynamo=True, external_data=False)
        return {"exporter": "dynamo"}
    except Exception as error:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(module, (example,), path, dynamo=False, opset_version=17)
        return {"exporter": "torchscript, opset 17", "dynamo_error": f"{type(error).__name__}: {error}"}


def ort_session(path: Path, spin_mode: str) -> ort.InferenceSession:
    """CPU session with every graph optimisation, THREADS intra-op threads and one of SPIN_MODES.

    Spinning pool threads pick up the next operator sooner, but a pool left spinning after a pass
    takes cores that the pre- and post-processing, or another process, need.
    """
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = THREADS
    for key, value in SPIN_MODES[spin_mode].items():
        options.add_session_config_entry(key, value)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def cpu_per_pass_with_idle_gaps(sessions: dict[str, ort.InferenceSession], feed: dict, runs: int) -> dict[str, float]:
    """Process CPU ms per pass for each spin mode when IDLE_GAP_S passes between passes, as in a server
    that is not fully busy: what a pool that keeps spinning after a pass burns."""
    figures = {}
    for mode, session in sessions.items():
        session.run(None, feed)
        started = time.process_time()
        for _ in range(runs):
            session.run(None, feed)
            time.sleep(IDLE_GAP_S)
        figures[mode] = (time.process_time() - started) * 1e3 / runs
    return figures


class ServingCall:
    """`detector.detect([photo])` as a TimedCall, split at the detector's forward pass.

    Reports total, preprocess (fit the photo to the model input, stack), forward, and postprocess
    (select candidates, map boxes back, NMS, build `Detections`) ms. Use as a context manager: it wraps the detector's
    forward in a timer on entry and puts the original back on exit.
    """

    def __init__(self, detector: FixedInputDetector, photo: Image.Image) -> None:
        self.detector = detector
        self.photo = photo
        self._forward_span = (0.0, 0.0)

    def __enter__(self) -> ServingCall:
        self._forward = self.detector.forward

        def timed_forward(batch: np.ndarray) -> Sequence[np.ndarray]:
            start = time.perf_counter()
            outputs = self._forward(batch)
            self._forward_span = (start, time.perf_counter())
            return outputs

        self.detector.forward = timed_forward
        return self

    def __exit__(self, *_: object) -> None:
        self.detector.forward = self._forward

    def __call__(self) -> dict[str, float]:
        start = time.perf_counter()
        self.detector.detect([self.photo])
        end = time.perf_counter()
        forward_start, forward_end = self._forward_span
        return {
            "total": (end - start) * 1e3,
            "preprocess": (forward_start - start) * 1e3,
            "forward": (forward_end - forward_start) * 1e3,
            "postprocess": (end - forward_end) * 1e3,
        }


def in_process_latency(model_name: str, photo: Image.Image, runs: int) -> dict:
    """Eager, frozen trace, ONNX Runtime (each spin mode) and both serving paths, timed in blocks."""
    spec, module = served_module(model_name)
    example = model_input(spec, photo)
    serving = ModelRegistry(MODELS_DIR).get(model_name)
    torch_serving = ModelRegistry(MODELS_DIR, inference_backend="torch").get(model_name)
    with torch.inference_mode():
        reference = module(example)
    traced = frozen_trace(module, example)
    with tempfile.TemporaryDirectory() as folder:
        onnx_path = Path(folder) / "model.onnx"
        export = export_onnx(module, example, onnx_path)
        sessions = {mode: ort_session(onnx_path, mode) for mode in SPIN_MODES}
    feed = {sessions["onnxruntime"].get_inputs()[0].name: example.numpy()}
    with torch.inference_mode(), ServingCall(serving, photo) as serve, ServingCall(torch_serving, photo) as serve_torch:
        diffs = {
            "traced": max_abs_diff(reference, traced(example)),
            "onnxruntime": max_abs_diff(reference, sessions["onnxruntime"].run(None, feed)),
            "serving_onnxruntime": max_abs_diff(reference, serving.forward(example.numpy())),
        }
        samples = time_in_blocks(
            {
                "eager": timed(lambda: module(example)),
                "traced": timed(lambda: traced(example)),
                **{mode: timed(lambda session=session: session.run(None, feed)) for mode, session in sessions.items()},
                "serving_onnxruntime": serve,
                "serving_torch": serve_torch,
            },
            runs,
        )
    return {
        "latency_ms": {
            name: {**percentiles(timings["total"]), "samples": timings["total"]} for name, timings in samples.items()
        },
        "serving_split_p50_ms": {
            name: {part: percentiles(samples[name][part])["p50"] for part in ("preprocess", "forward", "postprocess")}
            for name in ("serving_onnxruntime", "serving_torch")
        },
        "max_abs_diff": diffs,
        "onnx_export": export,
        "cpu_ms_per_pass_with_idle_gaps": cpu_per_pass_with_idle_gaps(sessions, feed, runs),
    }


def compiled_worker(model_name: str, runs: int, sender: Connection) -> None:
    """Child process: torch.compile the module (cold cache), report compile time, then its latencies."""
    torch.set_num_threads(THREADS)
    spec, module = served_module(model_name)
    example = model_input(spec, load_image(PHOTO))
    with tempfile.TemporaryDirectory() as cache, torch.inference_mode():
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = cache
        reference = module(example)
        try:
            start = time.perf_counter()
            compiled = torch.compile(module)
            output = compiled(example)
            sender.send({"compile_s": time.perf_counter() - start})
        except Exception as error:
            sender.send({"error": f"{type(error).__name__}: {str(error).splitlines()[0]}"})
            return
        samples = time_in_blocks({"compiled": timed(lambda: compiled(example))}, runs)["compiled"]["total"]
    sender.send({**percentiles(samples), "samples": samples, "max_abs_diff": max_abs_diff(reference, output)})


def compiled_latency(model_name: str, runs: int) -> dict:
    """torch.compile figures from a child process, or why there are none.

    A child, because a compile that runs past COMPILE_TIMEOUT_S can only be stopped by killing it,
    and because compiling leaves global state behind that could sway the other backends.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=compiled_worker, args=(model_name, runs, sender))
    child.start()
    try:
        if not receiver.poll(COMPILE_TIMEOUT_S):
            child.kill()
            return {"error": f"did not compile within {COMPILE_TIMEOUT_S} s"}
        compiled = receiver.recv()
        return compiled if "error" in compiled else {**compiled, **receiver.recv()}
    except EOFError:
        child.join()
        return {"error": f"compile process died (exit code {child.exitcode})"}
    finally:
        child.join()


def eager_throughput(module: nn.Module, example: torch.Tensor, threads: int, batch: int, images: int) -> float:
    """Images per second for the eager module at one thread count and batch size."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    inputs = example.expand(batch, -1, -1, -1).contiguous()
    batches = max(1, images // batch)
    try:
        with torch.inference_mode():
            for _ in range(2):
                module(inputs)
            start = time.perf_counter()
            for _ in range(batches):
                module(inputs)
            return batches * batch / (time.perf_counter() - start)
    finally:
        torch.set_num_threads(previous)


def throughput_worker(model_name: str, images: int, start_line: Barrier, queue: multiprocessing.Queue) -> None:
    """Child process: one thread, batch 1; times `images` forwards once all workers are ready."""
    torch.set_num_threads(1)
    spec, module = served_module(model_name)
    example = model_input(spec, load_image(PHOTO))
    with torch.inference_mode():
        for _ in range(2):
            module(example)
        start_line.wait()
        start = time.monotonic()
        for _ in range(images):
            module(example)
    queue.put((start, time.monotonic()))


def multiprocess_throughput(model_name: str, processes: int, images: int) -> float:
    """Images per second for `processes` single-threaded eager workers running at once."""
    context = multiprocessing.get_context("spawn")
    # A worker that dies before the start line must not leave the others waiting there for ever.
    start_line = context.Barrier(processes, timeout=WORKER_START_TIMEOUT_S)
    queue = context.Queue()
    workers = [
        context.Process(target=throughput_worker, args=(model_name, images, start_line, queue))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    # Each worker's (start, end) pair fits the pipe buffer, so workers exit without the queue being read.
    for worker in workers:
        worker.join()
    if any(worker.exitcode for worker in workers):
        raise RuntimeError(f"a throughput worker failed: exit codes {[worker.exitcode for worker in workers]}")
    spans = [queue.get() for _ in workers]
    return processes * images / (max(end for _, end in spans) - min(start for start, _ in spans))


def throughput(model_name: str, photo: Image.Image, images: int) -> dict[str, float]:
    """Eager images per second for each (threads, batch) setting and for 2 processes x 1 thread."""
    spec, module = served_module(model_name)
    example = model_input(spec, photo)
    figures = {
        f"{threads} thread{'s' * (threads > 1)}, batch {batch}": eager_throughput(
            module, example, threads, batch, images
        )
        for threads, batch in THROUGHPUT_SETTINGS
    }
    figures["2 processes x 1 thread, batch 1"] = multiprocess_throughput(model_name, 2, images)
    return figures


def run_probe(models: Sequence[str]) -> dict[str, float]:
    """Run PROBE in a fresh interpreter: start-up timings and peak RSS for loading `models`."""
    spawned = time.time()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(spawned), str(MODELS_DIR), ",".join(models), str(PHOTO)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.splitlines()[-1])


def startup(model_name: str) -> dict[str, float]:
    """Median over STARTUP_REPEATS fresh processes of each start-up timing, for one model."""
    probes = [run_probe([model_name]) for _ in range(STARTUP_REPEATS)]
    return {key: statistics.median(probe[key] for probe in probes) for key in probes[0]}


def forward_flops(module: nn.Module, example: torch.Tensor) -> int:
    """FLOPs of one forward as torch counts them: convolutions and matmuls, 2 per multiply-add."""
    counter = FlopCounterMode(display=False)
    with counter, torch.inference_mode():
        module(example)
    return counter.get_total_flops()


def matmul_gflops() -> float:
    """Best float32 MATMUL_SIZE^2 matrix-product rate in GFLOP/s with THREADS threads."""
    left, right = torch.randn(MATMUL_SIZE, MATMUL_SIZE), torch.randn(MATMUL_SIZE, MATMUL_SIZE)
    left @ right
    best = float("inf")
    for _ in range(MATMUL_REPEATS):
        start = time.perf_counter()
        left @ right
        best = min(best, time.perf_counter() - start)
    return 2 * MATMUL_SIZE**3 / best / 1e9


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by the whole machine (steal included), and by this process with its children."""
    busy = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = busy
    machine = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    usages = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    return machine, sum(usage.ru_utime + usage.ru_stime for usage in usages)


def benchmark_model(model_name: str, photo: Image.Image, runs: int) -> dict:
    """Every figure for one model, with the share of the CPU other processes took meanwhile.

    The matmul rate is the best of two measurements that bracket the latency timings, so that the
    compute-bound floor reflects the CPU when nothing else competed for it.
    """
    started, (machine_start, own_start) = time.monotonic(), cpu_seconds()
    spec, module = served_module(model_name)
    flops = forward_flops(module, model_input(spec, photo))
    rate_before = matmul_gflops()
    figures = in_process_latency(model_name, photo, runs)
    rate = max(rate_before, matmul_gflops())
    figures |= {"gflops": flops / 1e9, "matmul_gflops_per_s": rate, "compute_bound_ms": flops / (rate * 1e9) * 1e3}
    compiled = compiled_latency(model_name, runs)
    figures["latency_ms"]["compiled"] = {key: value for key, value in compiled.items() if key != "max_abs_diff"}
    if "max_abs_diff" in compiled:
        figures["max_abs_diff"]["compiled"] = compiled["max_abs_diff"]
    figures["throughput_images_per_s"] = throughput(model_name, photo, runs)
    figures["startup"] = startup(model_name)
    machine_end, own_end = cpu_seconds()
    others = (machine_end - machine_start) - (own_end - own_start)
    figures["other_processes_cpu_share"] = others / ((time.monotonic() - started) * os.cpu_count())
    return figures


def serving_ratio(figures: dict, serving: str) -> str:
    """A serving path's p50 over the fastest module runtime's p50, naming that runtime."""
    latencies = figures["latency_ms"]
    fastest = min((name for name in BACKENDS if "p50" in latencies[name]), key=lambda name: latencies[name]["p50"])
    return f"{latencies[serving]['p50'] / latencies[fastest]['p50']:.2f}x (vs {LABELS[fastest]})"


def best_throughput(figures: dict) -> str:
    """The highest eager throughput and the setting that gave it."""
    setting, rate = max(figures["throughput_images_per_s"].items(), key=lambda item: item[1])
    return f"{rate:.1f} ({setting})"


def latency_cell(figures: dict, name: str) -> str:
    """'p50 / p95 (multiple of the floor)' for one runtime, or why it has no figures."""
    latency = figures["latency_ms"][name]
    if "error" in latency:
        return f"failed: {latency['error']}"
    return f"{latency['p50']:.1f} / {latency['p95']:.1f} ({latency['p50'] / figures['compute_bound_ms']:.1f}x)"


def split_cell(figures: dict, serving: str) -> str:
    """Preprocess / forward / postprocess p50s of one serving path."""
    return " / ".join(f"{value:.1f}" for value in figures["serving_split_p50_ms"][serving].values())


def startup_cell(figures: dict) -> str:
    """Time to first detection with its breakdown."""
    startup = figures["startup"]
    return (
        f"{startup['to_first_detection_s']:.2f} (launch {startup['launch_s']:.2f}, imports {startup['imports_s']:.2f}, "
        f"load {startup['model_load_s']:.2f}, first detect {startup['first_detect_s']:.2f})"
    )


def markdown_report(machine: dict, photo: Image.Image, runs: int, models: dict[str, dict], all_rss_mb: float) -> str:
    """The README table: latencies per runtime, then one column of summary figures per model."""
    header = "| | " + " | ".join(models) + " |\n|---|" + "---|" * len(models)
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores; torch {machine['torch']}, onnxruntime "
        f"{machine['onnxruntime']}; {THREADS} threads; load average {machine['load_average_1min']:.1f} at start. Batch 1, {PHOTO.name} ({photo.width}x{photo.height}), "
        f"{runs} timed runs after {WARMUP_CALLS} warm-up calls, runtimes timed in {BLOCKS} interleaved blocks. "
        "Runtimes run the served module: input normalisation, network, box decoding.",
        "",
        "Latency, ms: p50 / p95 (p50 as a multiple of the compute-bound floor)",
        "",
        header,
    ]

    def row(label: str, cell: Callable[[dict], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(figures) for figures in models.values()) + " |")

    for name, label in LABELS.items():
        row(label, lambda figures, name=name: latency_cell(figures, name))
    lines += ["", header]
    for serving in ("serving_onnxruntime", "serving_torch"):
        backend = serving.removeprefix("serving_")
        row(
            f"serving split p50, ms, {backend} backend: preprocess / forward / postprocess",
            lambda f, s=serving: split_cell(f, s),
        )
        row(f"serving p50 / fastest runtime p50, {backend} backend", lambda f, s=serving: serving_ratio(f, s))
    row(
        "max abs diff vs eager: traced / ONNX Runtime / serving ONNX / compiled",
        lambda f: " / ".join(
            f"{f['max_abs_diff'][name]:.1e}" if name in f["max_abs_diff"] else "-"
            for name in ("traced", "onnxruntime", "serving_onnxruntime", "compiled")
        ),
    )
    row("ONNX exporter (ONNX Runtime rows)", lambda f: f["onnx_export"]["exporter"])
    row(
        "torch.compile time, s (cold cache)",
        lambda f: (
            f"{f['latency_ms']['compiled']['compile_s']:.0f}" if "compile_s" in f["latency_ms"]["compiled"] else "-"
        ),
    )
    row(
        f"ONNX Runtime CPU ms per pass, {IDLE_GAP_S * 1e3:.0f} ms idle between passes: "
        "spinning / spinning until the pass ends / not spinning",
        lambda f: " / ".join(f"{value:.1f}" for value in f["cpu_ms_per_pass_with_idle_gaps"].values()),
    )
    row("eager throughput, best, images/s", best_throughput)
    row("start to first detection, s (default backend, median of 3)", startup_cell)
    row(
        "peak RSS, MB: this model alone / all benchmarked models",
        lambda f: f"{f['startup']['peak_rss_mb']:.0f} / {all_rss_mb:.0f}",
    )
    row("GFLOPs per forward", lambda f: f"{f['gflops']:.2f}")
    row("float32 matmul, GFLOP/s", lambda f: f"{f['matmul_gflops_per_s']:.0f}")
    row("compute-bound floor, ms", lambda f: f"{f['compute_bound_ms']:.1f}")
    row("CPU taken by other processes meanwhile, % of all cores", lambda f: f"{f['other_processes_cpu_share']:.0%}")
    return "\n".join(lines)


def samples_map(detector) -> float:
    """COCO mAP@[.5:.95] of `detector` on the annotated samples, as the test suite measures it."""
    from torchmetrics.detection import MeanAveragePrecision

    coco = json.loads((ROOT / "samples" / "annotations.json").read_text())
    metric = MeanAveragePrecision(box_format="xyxy", backend="pycocotools")
    for image in coco["images"]:
        annotations = [a for a in coco["annotations"] if a["image_id"] == image["id"]]
        boxes = [[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in annotations)]
        found = detector.detect(
            [load_image(ROOT / "samples" / image["file_name"])], DetectOptions(score_threshold=0.05)
        )[0]
        if image["file_name"].startswith("voc_"):
            found = found[np.array([label in VOC_CLASSES for label in found.labels], dtype=bool)]
        metric.update(
            [{"boxes": torch.from_numpy(found.boxes.copy()), "scores": torch.from_numpy(found.scores.copy()),
              "labels": torch.from_numpy(found.class_ids.copy())}],
            [{"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
              "labels": torch.tensor([a["category_id"] for a in annotations], dtype=torch.int64)}],
        )  # fmt: skip
    return float(metric.compute()["map"])


# The VOC photo in samples/ is annotated only for PASCAL VOC's 20 classes (as tests/test_detector.py).
VOC_CLASSES = {
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "boat", "bird", "cat",
    "dog", "horse", "sheep", "cow", "bottle", "chair", "couch", "potted plant", "dining table", "tv",
}  # fmt: skip


# A section beside the runtimes: (Markdown lines to print, its figures for --json).
Section = tuple[list[str], dict]


def int8_rows(model_names: Sequence[str], runs: int) -> Section:
    """Float32 against int8 in ONNX Runtime, THREADS threads, batch 1, interleaved."""
    registry = ModelRegistry(MODELS_DIR, threads=THREADS)
    photo = load_image(PHOTO)
    calls, maps = {}, {}
    for name in model_names:
        for variant in (name, f"{name}-int8"):
            detector = registry.get(variant)
            batch = prepare(photo, detector.input_spec)[0][None]
            calls[f"{variant} forward"] = timed(lambda d=detector, b=batch: d.forward(b))
            calls[f"{variant} detect"] = timed(lambda d=detector: d.detect([photo]))
            maps[variant] = samples_map(detector)
    samples = time_in_blocks(calls, runs)
    p50 = {key: statistics.median(value["total"]) for key, value in samples.items()}
    lines = [
        f"int8 against float32, ONNX Runtime, {THREADS} threads, batch 1, {PHOTO.name}, {runs} runs in {BLOCKS} "
        "interleaved blocks",
        "",
        "| model | forward p50, ms | throughput vs float32 | `detect()` p50, ms | mAP on samples/ | mAP change |",
        "|---|---|---|---|---|---|",
    ]
    figures = {}
    for name in model_names:
        for variant in (name, f"{name}-int8"):
            figures[variant] = {
                "forward_p50_ms": p50[f"{variant} forward"],
                "detect_p50_ms": p50[f"{variant} detect"],
                "throughput_vs_float32": p50[f"{name} forward"] / p50[f"{variant} forward"],
                "samples_map": maps[variant],
                "map_change": maps[variant] - maps[name],
            }
            row = figures[variant]
            lines.append(
                f"| {variant} | {row['forward_p50_ms']:.1f} | {row['throughput_vs_float32']:.2f}x | "
                f"{row['detect_p50_ms']:.1f} | {row['samples_map']:.3f} | {row['map_change']:+.3f} |"
            )
    return lines, figures


def photo_rows(model_names: Sequence[str], runs: int) -> Section:
    """Decode + detect per photo size, as a request does them, against the 768x576 sample."""
    registry = ModelRegistry(MODELS_DIR, threads=THREADS)
    photos = photo_set()
    calls, agreement = {}, {}
    for name in model_names:
        detector = registry.get(name)
        for label, data in photos.items():
            calls[f"{name} | {label}"] = timed(
                lambda d=detector, data=data: d.detect([load_photo(data, decode_size=d.decode_size)])
            )
            small = detector.detect([load_photo(data, decode_size=detector.decode_size)])[0]
            full = detector.detect([load_photo(data)])[0]
            agreement[f"{name} | {label}"] = float(
                box_iou(torch.from_numpy(small.boxes[:1]), torch.from_numpy(full.boxes[:1]))[0, 0]
            ) if len(small) and len(full) else float("nan")  # fmt: skip
        calls[f"{name} | 12 MP, full-size decode"] = timed(
            lambda d=detector, data=photos["12 MP 4032x3024"]: d.detect([load_photo(data)])
        )
    samples = time_in_blocks(calls, runs)
    p50 = {key: statistics.median(value["total"]) for key, value in samples.items()}
    lines = [
        f"Decode + detect per photo, {THREADS} threads, {runs} runs in {BLOCKS} interleaved blocks; photos made from "
        "samples/dog.jpg by bench/photos.py; top-box IoU: reduced against full-size decode",
        "",
        "| model | photo | p50, ms | vs 768x576 | top-box IoU |",
        "|---|---|---|---|---|",
    ]
    figures: dict = {}
    for name in model_names:
        base = p50[f"{name} | {PHOTO.name} 768x576"]
        for key in [key for key in p50 if key.startswith(f"{name} | ")]:
            iou = agreement.get(key)
            figures.setdefault(name, {})[key.split(" | ", 1)[1]] = {
                "p50_ms": p50[key],
                "vs_768x576": p50[key] / base,
                "top_box_iou": iou,
            }
            cell = f"{iou:.3f}" if iou is not None else "-"
            lines.append(f"| {key} | {p50[key]:.1f} | {p50[key] / base:.2f}x | {cell} |")
    return lines, figures


def memory_rows(model_names: Sequence[str], runs: int) -> Section:
    """Peak RSS of one ONNX Runtime process with every built-in model and variant loaded and run once."""
    names = [spec.name for spec in ModelRegistry(MODELS_DIR).specs if spec.builtin]
    probe = run_probe(names)
    line = f"Peak RSS, one process, {', '.join(names)} loaded and run: {probe['peak_rss_mb']:.0f} MB"
    return [line], {"models": names, "peak_rss_mb": probe["peak_rss_mb"]}


def build_format_models(directory: Path) -> Path:
    """Random-initialised models of the formats users bring, built offline as the tests build them (with the
    libraries they are exported from, test-only dependencies), registered in a models file; returns it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from reference_models import build_rt_detr_checkpoint, build_ultralytics_rt_detr_onnx, build_yolo_onnx
    from sightline.detection.catalogue import add_model

    models_file = directory / "models.toml"
    built = {
        "yolo11n-onnx": build_yolo_onnx(directory, "yolo11n.yaml", end_to_end=False, size=640),
        "rtdetr-l-onnx": build_ultralytics_rt_detr_onnx(directory, "rtdetr-l.yaml", size=640),
        "rtdetr-r50-transformers": build_rt_detr_checkpoint(directory, full_size=True),
    }
    for name, path in built.items():
        add_model(MODELS_DIR, models_file, path, load_image(PHOTO), name=name)
    return models_file


def format_rows(model_names: Sequence[str], runs: int) -> Section:
    """NanoDet beside a YOLO11n ONNX export, an Ultralytics RT-DETR-l ONNX export and a transformers RT-DETR
    (ResNet-50) checkpoint, all at 640 but NanoDet (416), random weights: forward and `detect()` time,
    interleaved, and the memory each adds to a serving process (as Evaluate measures it)."""
    from sightline.evaluation.footprint import model_memory_mb

    with tempfile.TemporaryDirectory() as directory:
        print("building the format models ...", file=sys.stderr, flush=True)
        models_file = build_format_models(Path(directory))
        registry = ModelRegistry(MODELS_DIR, models_file, threads=THREADS)
        photo = load_image(PHOTO)
        names = ["nanodet", "yolo11n-onnx", "rtdetr-l-onnx", "rtdetr-r50-transformers"]
        calls, memory, formats = {}, {}, {}
        for name in names:
            detector = registry.get(name)
            spec = registry.spec(name)
            formats[name] = f"{spec.format}, {spec.architecture}"
            if isinstance(detector, FixedInputDetector):
                batch = prepare(photo, detector.input_spec)[0][None]
                calls[f"{name} forward"] = timed(lambda d=detector, b=batch: d.forward(b))
            else:  # a transformers checkpoint: its processor's tensors into the model
                inputs = detector.processor(images=[photo], return_tensors="pt")
                calls[f"{name} forward"] = timed(lambda d=detector, i=inputs: d.model(**i))
            calls[f"{name} detect"] = timed(lambda d=detector: d.detect([photo], DetectOptions(score_threshold=0.05)))
            memory[name] = model_memory_mb(name, MODELS_DIR, models_file, threads=THREADS)
        samples = time_in_blocks(calls, runs)
    p50 = {key: statistics.median(value["total"]) for key, value in samples.items()}
    lines = [
        f"Model formats, random weights, {THREADS} threads, batch 1, {PHOTO.name}, {runs} runs in {BLOCKS} "
        "interleaved blocks; memory: RSS the model adds to a serving process once loaded and run",
        "",
        "| model | format, layout | forward p50, ms | `detect()` p50, ms | vs nanodet | memory added, MB |",
        "|---|---|---|---|---|---|",
    ]
    figures = {}
    for name in names:
        figures[name] = {
            "format": formats[name],
            "forward_p50_ms": p50[f"{name} forward"],
            "detect_p50_ms": p50[f"{name} detect"],
            "vs_nanodet": p50[f"{name} detect"] / p50["nanodet detect"],
            "memory_mb": memory[name],
        }
        row = figures[name]
        lines.append(
            f"| {name} | {row['format']} | {row['forward_p50_ms']:.1f} | {row['detect_p50_ms']:.1f} | "
            f"{row['vs_nanodet']:.2f}x | {row['memory_mb'] if row['memory_mb'] is not None else 'failed'} |"
        )
    return lines, figures


SECTIONS = {"int8": int8_rows, "photos": photo_rows, "memory": memory_rows, "formats": format_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="nanodet,centernet", help="comma-separated model names")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per configuration")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--sections", default="runtimes,int8,photos,memory", help="comma-separated sections")
    args = parser.parse_args()
    model_names = [name.strip() for name in args.models.split(",") if name.strip()]
    sections = {name.strip() for name in args.sections.split(",")}

    unknown = sections - {"runtimes", *SECTIONS}
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}; choose from runtimes, {', '.join(SECTIONS)}")

    machine = machine_info()
    torch.set_num_threads(THREADS)
    figures: dict = {"machine": machine, "photo": str(PHOTO.relative_to(ROOT)), "runs": args.runs}
    extra = []
    for section, rows in SECTIONS.items():
        if section in sections:
            print(f"{section} rows ...", file=sys.stderr, flush=True)
            lines, figures[section] = rows(model_names, args.runs)
            extra += ["", *lines]
    if "runtimes" in sections:
        photo = load_image(PHOTO)
        models = {}
        for name in model_names:
            print(f"benchmarking {name} ...", file=sys.stderr, flush=True)
            models[name] = benchmark_model(name, photo, args.runs)
        all_rss_mb = run_probe(model_names)["peak_rss_mb"]
        figures |= {"models": models, "peak_rss_mb_all_models": all_rss_mb}
        print(markdown_report(machine, photo, args.runs, models, all_rss_mb))
    else:
        print(f"Machine: {machine['cpu']}, {machine['cores']} cores; onnxruntime {machine['onnxruntime']}; "
              f"load average {machine['load_average_1min']:.1f} at start, {os.getloadavg()[0]:.1f} at the end.")  # fmt: skip
    print("\n".join(extra))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
