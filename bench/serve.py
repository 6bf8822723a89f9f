"""Serving overhead and throughput: the HTTP API on loopback side by side with the in-process engine.

    .venv/bin/python bench/serve.py                 # starts `sightline serve` itself
    .venv/bin/python bench/serve.py --url http://127.0.0.1:8000   # an already running server

Both sides decode the same photos and run the same default model; the in-process side calls
`load_photo` and `Detector.detect` from client threads sharing one detector. Every side runs at
every level in each of --rounds rounds. Prints a Markdown table of the medians over rounds (latency
p50/p95 at concurrency 1, throughput at 1, 4, 8, 16), each round's ratios against the targets, and a
soak run at concurrency 16 with its error count and the server's memory.

Then, per photo size (the 768x576 sample, and 0.5-24 MP phone photos upright and EXIF-rotated, from
bench/photos.py) and per model (--size-models), the server time each request reports
(`timing_ms.total`) at concurrency 1, the photos and models interleaved, as a multiple of the
768x576 photo's with the same model.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
# The same OpenMP setting as `sightline serve` (see src/sightline/server/serve.py), so that both sides
# run the model alike and the difference is the serving alone. Read when PyTorch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
PHOTOS = ("dog.jpg", "person.jpg", "horses.jpg", "astronaut.jpg", "coffee.jpg", "chelsea.jpg", "rocket.jpg")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class HttpClient:
    """One keep-alive connection per client thread, photo as the raw request body: the least client work."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.local = threading.local()

    def __call__(self, photo: bytes, query: str = "") -> dict:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        connection.request("POST", f"/api/v1/detect{query}", body=photo, headers={"Content-Type": "image/jpeg"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
        return json.loads(body)


class InProcess:
    """The engine called directly from the client threads, with `threads` threads for the model."""

    def __init__(self, threads: int) -> None:
        import torch

        from sightline.config import Settings
        from sightline.detection.images import load_photo
        from sightline.detection.options import DetectOptions
        from sightline.detection.registry import ModelRegistry

        settings = Settings.from_env(inference_threads=threads)
        self.detector = ModelRegistry.from_settings(settings).get()
        self.load_photo = load_photo
        self.options = DetectOptions()
        self.torch = torch
        self.threads = threads

    def __call__(self, photo: bytes) -> None:
        image = self.load_photo(photo, decode_size=self.detector.decode_size)  # as the server decodes
        self.detector.detect([image], self.options)[0].to_json()

    def __enter__(self) -> InProcess:
        self.torch.set_num_threads(self.threads)
        return self

    def __exit__(self, *exc_info) -> None:
        pass


def run(
    call: Callable[[bytes], None],
    photos: list[bytes],
    concurrency: int,
    count: int,
    cpu_seconds: Callable[[], float] = time.process_time,
) -> dict:
    """`count` calls from `concurrency` threads: latencies in ms, throughput in photos/s, errors, and
    the CPU time per photo of whoever did the work (robust to other load on the machine)."""
    latencies: list[float] = []
    errors: list[str] = []

    def one(index: int) -> None:
        started = time.perf_counter()
        try:
            call(photos[index % len(photos)])
        except Exception as error:
            errors.append(str(error))
            return
        latencies.append((time.perf_counter() - started) * 1000)

    started, cpu_started = time.perf_counter(), cpu_seconds()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    return {
        "cpu_ms_per_photo": (cpu_seconds() - cpu_started) * 1000 / max(1, len(latencies)),
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": percentile(latencies, 0.95) if latencies else float("nan"),
        "throughput": len(latencies) / elapsed,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def soak(call: Callable[[bytes], None], photos: list[bytes], count: int, memory: Callable[[], int] | None) -> dict:
    """`count` requests at concurrency 16, the server's memory sampled every 100 requests."""
    samples: list[int] = []
    results = []
    for _ in range(count // 100):
        results.append(run(call, photos, 16, 100))
        if memory:
            samples.append(memory())
    errors = sum(result["errors"] for result in results)
    report = {"requests": count, "errors": errors, "throughput": statistics.mean(r["throughput"] for r in results)}
    if samples:
        report |= {
            "memory_mb_after_first_100": samples[0] / 1e6,
            "memory_mb_at_end": samples[-1] / 1e6,
            "memory_mb_max": max(samples) / 1e6,
        }
    return report


def median_figures(rounds: list[dict], sides: list[str], levels: list[int]) -> dict:
    """Per side and level, the median over rounds of each figure; errors are added up."""
    merged: dict = {side: {} for side in sides}
    for side in sides:
        for level in levels:
            results = [figures[side][level] for figures in rounds]
            merged[side][level] = {
                key: statistics.median(result[key] for result in results)
                for key in ("cpu_ms_per_photo", "p50_ms", "p95_ms", "throughput")
            } | {
                "errors": sum(result["errors"] for result in results),
                "first_error": next((result["first_error"] for result in results if result["first_error"]), None),
            }
    return merged


def ratios(figures: dict, levels: list[int]) -> tuple[float, float | None]:
    """HTTP p50 at the first level over the best in-process p50, and HTTP throughput at c=8 over the best
    in-process throughput at any level (None without a c=8 level)."""
    in_process = [side for side in figures if side != "http"]
    best_p50 = min(figures[side][levels[0]]["p50_ms"] for side in in_process)
    best_throughput = max(result["throughput"] for side in in_process for result in figures[side].values())
    throughput = figures["http"][8]["throughput"] / best_throughput if 8 in figures["http"] else None
    return figures["http"][levels[0]]["p50_ms"] / best_p50, throughput


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--workers", type=int, help="SIGHTLINE_WORKERS for the server started here")
    parser.add_argument("--threads", type=int, help="SIGHTLINE_THREADS")
    parser.add_argument("--inference-threads", type=int, help="SIGHTLINE_INFERENCE_THREADS")
    parser.add_argument("--requests", type=int, default=80, help="requests per throughput level")
    parser.add_argument("--levels", default="1,4,8,16", help="concurrency levels")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all sides and levels; medians are reported")
    parser.add_argument("--soak", type=int, default=2000, help="requests in the soak run (0: none)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--size-models", default="nanodet,nanodet-int8", help="models for the photo-size rows")
    parser.add_argument("--size-requests", type=int, default=15, help="requests per photo and model (0: none)")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO / "tests"))
    from api_server import ApiServer

    photos = [(REPO / "samples" / name).read_bytes() for name in PHOTOS]
    levels = [int(level) for level in args.levels.split(",")]
    server = None
    if args.url:
        url = args.url
    else:
        env = {
            f"SIGHTLINE_{name.upper()}": str(value)
            for name, value in vars(args).items()
            if name in ("workers", "threads", "inference_threads") and value is not None
        }
        env.setdefault("SIGHTLINE_LOG_FILE", str(Path(tempfile.mkdtemp()) / "sightline.log"))
        server = ApiServer(env, Path(tempfile.mkdtemp()) / "server.out")
        server.start()
        url = server.url
    try:
        http_call = HttpClient(url)
        server_cpu = server.cpu_seconds if server else lambda: float("nan")
        sides = {"http": http_call}
        import torch

        default_threads = torch.get_num_threads()
        for threads in sorted({1, default_threads}):
            sides[f"in-process, {threads} thread{'s' if threads > 1 else ''}"] = InProcess(threads)
        for side, call in sides.items():  # warm-up: first passes allocate
            with call if side != "http" else contextlib.nullcontext():
                run(call, photos, max(levels), 2 * max(levels))
        # Several rounds, each running every side at every level in turn, so that bursts of load from
        # other processes land on all sides alike; the report gives each round's ratios and their median.
        rounds = []
        for _ in range(args.rounds):
            figures: dict = {side: {} for side in sides}
            for level in levels:
                count = args.requests if level > 1 else max(40, args.requests // 2)
                for side, call in sides.items():
                    if side == "http":
                        figures[side][level] = run(call, photos, level, count, server_cpu)
                    else:
                        with call:
                            figures[side][level] = run(call, photos, level, count)
            rounds.append(figures)
        figures = median_figures(rounds, list(sides), levels)
        if args.soak:
            figures["soak"] = soak(http_call, photos, args.soak, server.memory_bytes if server else None)
        if args.size_requests:
            models = [model.strip() for model in args.size_models.split(",") if model.strip()]
            figures["photo_sizes"] = photo_sizes(http_call, models, args.size_requests)
        if server:
            figures["peak_rss_mb"] = peak_rss_mb(server)
    finally:
        if server:
            server.stop()
    report(figures, rounds, list(sides), levels, url, args)
    if "photo_sizes" in figures:
        report_photo_sizes(figures["photo_sizes"], args.size_requests)
    if "peak_rss_mb" in figures:
        peaks = figures["peak_rss_mb"]
        listed = ", ".join(f"{name} {mb:.0f}" for name, mb in peaks.items())
        print(f"\npeak RSS, MB: {listed}; all together at most {sum(peaks.values()):.0f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    errors = sum(result["errors"] for side in sides for result in figures[side].values())
    return 0 if errors == 0 and figures.get("soak", {}).get("errors", 0) == 0 else 1


def photo_sizes(call: HttpClient, models: list[str], requests: int) -> dict:
    """Server ms (p50 of `timing_ms.total`) per model and photo at concurrency 1, all interleaved."""
    from photos import photo_set

    photos = photo_set()
    samples: dict[str, dict[str, list[float]]] = {model: {label: [] for label in photos} for model in models}
    for model in models:  # warm-up: the model loads on its first request
        call(photos[next(iter(photos))], f"?model={model}")
    for _ in range(requests):
        for model in models:
            for label, data in photos.items():
                samples[model][label].append(call(data, f"?model={model}")["timing_ms"]["total"])
    return {
        model: {label: statistics.median(times) for label, times in rows.items()} for model, rows in samples.items()
    }


def peak_rss_mb(server) -> dict[str, float]:
    """Peak resident memory (VmHWM) of the server's master and of each worker, in MB."""
    import psutil

    processes = {"master": psutil.Process(server.process.pid)}
    processes |= {f"worker {index}": worker for index, worker in enumerate(server.workers(), start=1)}
    peaks = {}
    for name, process in processes.items():
        status = Path(f"/proc/{process.pid}/status").read_text()
        peaks[name] = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024
    return peaks


def report_photo_sizes(sizes: dict, requests: int) -> None:
    print()
    print(f"Server time per photo, p50 of timing_ms.total over {requests} requests each, c=1, interleaved")
    print()
    models = list(sizes)
    print("| photo | " + " | ".join(f"{model} ms | vs 768x576" for model in models) + " |")
    print("|---|" + "---|---|" * len(models))
    for label in sizes[models[0]]:
        cells = []
        for model in models:
            base = next(iter(sizes[model].values()))
            cells.append(f"{sizes[model][label]:.1f} | {sizes[model][label] / base:.2f}x")
        print(f"| {label} | " + " | ".join(cells) + " |")


def report(
    figures: dict, rounds: list[dict], sides: list[str], levels: list[int], url: str, args: argparse.Namespace
) -> None:
    load = os.getloadavg()[0]
    print(f"# bench/serve.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average {load:.1f}")
    settings = " ".join(f"{k}={v}" for k, v in vars(args).items() if v is not None and k != "json")
    from sightline.config import Settings

    print(f"server: {url}  {settings}; inference backend {Settings.from_env().inference_backend}")
    print()
    print(
        "| side | p50 ms (c=1) | p95 ms (c=1) | "
        + " | ".join(f"photos/s c={level}" for level in levels)
        + " | CPU ms/photo c=1 | CPU ms/photo c=8 |"
    )
    print("|---|---|---|" + "---|" * (len(levels) + 2))
    for side in sides:
        rows = figures[side]
        first = rows[levels[0]]
        cells = " | ".join(f"{rows[level]['throughput']:.1f}" for level in levels)
        cpu = " | ".join(f"{rows[level]['cpu_ms_per_photo']:.0f}" if level in rows else "-" for level in (1, 8))
        print(f"| {side} | {first['p50_ms']:.1f} | {first['p95_ms']:.1f} | {cells} | {cpu} |")
    print()
    print("CPU ms/photo: the engine's process for in-process, the server's processes (not the client) for HTTP.")
    per_round = [ratios(figures_of_round, levels) for figures_of_round in rounds]
    p50_ratios = ", ".join(f"{p50:.2f}x" for p50, _ in per_round)
    print(
        f"HTTP p50 / best in-process p50 at c=1: {statistics.median(p for p, _ in per_round):.2f}x median of rounds ({p50_ratios}); target <= 1.15x"
    )
    if 8 in figures["http"]:
        throughputs = [throughput for _, throughput in per_round]
        listed = ", ".join(f"{throughput:.2f}x" for throughput in throughputs)
        print(
            f"HTTP throughput at c=8 / best in-process throughput: {statistics.median(throughputs):.2f}x median of rounds ({listed}); target >= 0.9x"
        )
    errors = sum(result["errors"] for side in sides for result in figures[side].values())
    print(f"errors in the levels: {errors}")
    for side in sides:
        for level, result in figures[side].items():
            if result["first_error"]:
                print(f"  first error, {side} at c={level}: {result['first_error']}")
    if "soak" in figures:
        print(f"soak at c=16: {json.dumps(figures['soak'])}")


if __name__ == "__main__":
    sys.exit(main())
