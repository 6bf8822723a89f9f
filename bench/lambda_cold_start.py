"""Lambda cold start and warm latency, measured through the Lambda handler in fresh processes.

    .venv/bin/python bench/lambda_cold_start.py [--runs 7] [--warm-calls 30] [--cpus 1] [--json OUT.json]
        [--model nanodet-int8] [--photo-size "12 MP"]

Each run starts a new Python process, as a new Lambda container does, pinned to `--cpus` cores with
one inference thread per core (Lambda gives one vCPU at 1769 MB). In it: import the handler module,
then call it with an API Gateway HTTP API event carrying samples/dog.jpg base64 (first call: app
creation, database set-up in a fresh /tmp-like folder, model load, first detection), then
`--warm-calls` more calls. Reports the median cold start, the warm per-call latency and the peak RSS;
`--json` writes them in the form `sightline cost --from-bench` reads. `--model` makes that model the
default (SIGHTLINE_DEFAULT_MODEL); `--photo-size` sends a phone photo made by bench/photos.py
instead of `--photo`.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from photos import SIZES, phone_photo

REPO = Path(__file__).resolve().parent.parent

# Runs in the fresh process: the timings start before the handler module is imported.
CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from sightline.api.lambda_handler import handler
imported = time.perf_counter()
event = json.loads(sys.stdin.read())
response = handler(event, None)
first = time.perf_counter()
assert response["statusCode"] == 200, response
warm = []
for _ in range(int(sys.argv[1])):
    before = time.perf_counter()
    assert handler(event, None)["statusCode"] == 200
    warm.append((time.perf_counter() - before) * 1000)
print(json.dumps({
    "import_ms": (imported - started) * 1000,
    "first_call_ms": (first - imported) * 1000,
    "warm_ms": warm,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "torch_imported": "torch" in sys.modules,
}))
"""


def http_api_event(photo: bytes) -> dict:
    """An API Gateway HTTP API (payload 2.0) event: POST /api/v1/detect with the photo as the raw body."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/v1/detect",
        "rawQueryString": "",
        "headers": {"content-type": "image/jpeg", "host": "example.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {
            "http": {"method": "POST", "path": "/api/v1/detect", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
            "requestId": "bench",
            "stage": "$default",
        },
        "body": base64.b64encode(photo).decode(),
        "isBase64Encoded": True,
    }


def run_once(event: dict, warm_calls: int, cpus: int, models_dir: Path, model: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            **({"SIGHTLINE_DEFAULT_MODEL": model} if model else {}),
            "SIGHTLINE_DATA_DIR": data_dir,
            "SIGHTLINE_MODELS_DIR": str(models_dir),
            "SIGHTLINE_INFERENCE_THREADS": str(cpus),
            "SIGHTLINE_LOG_LEVEL": "WARNING",
        }
        cores = sorted(os.sched_getaffinity(0))[:cpus]
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", CHILD, str(warm_calls)],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            env=env,
            check=True,
            preexec_fn=lambda: os.sched_setaffinity(0, cores),
        )
        process_ms = (time.perf_counter() - started) * 1000
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    warm_total = sum(result["warm_ms"])
    # From process start to the first response: the interpreter's own start-up included.
    result["cold_start_ms"] = process_ms - warm_total
    return result


def summarize(runs: list[dict], cpus: int) -> dict:
    warm = sorted(sample for run in runs for sample in run["warm_ms"])
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, {_cpu_model()}, {cpus} core(s) of {os.cpu_count()}",
        "cpus": cpus,
        "runs": len(runs),
        "cold_start_ms": {
            "median": statistics.median(run["cold_start_ms"] for run in runs),
            "import_median": statistics.median(run["import_ms"] for run in runs),
            "first_call_median": statistics.median(run["first_call_ms"] for run in runs),
            "samples": [round(run["cold_start_ms"], 1) for run in runs],
        },
        "warm_ms": {
            "median": statistics.median(warm),
            "p90": warm[int(0.9 * (len(warm) - 1))],
            "samples": len(warm),
        },
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "torch_imported": any(run["torch_imported"] for run in runs),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes (cold starts)")
    parser.add_argument("--warm-calls", type=int, default=30, help="calls after the first, per process")
    parser.add_argument("--cpus", type=int, default=1, help="cores the process may use (Lambda: 1 vCPU at 1769 MB)")
    parser.add_argument("--models-dir", type=Path, default=REPO / "var" / "models")
    parser.add_argument("--photo", type=Path, default=REPO / "samples" / "dog.jpg")
    parser.add_argument("--photo-size", choices=sorted(SIZES), help="send a phone photo of this size instead")
    parser.add_argument("--model", help="the default model (SIGHTLINE_DEFAULT_MODEL); the server's own otherwise")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the summary as JSON")
    args = parser.parse_args()

    photo = phone_photo(SIZES[args.photo_size]) if args.photo_size else args.photo.read_bytes()
    event = http_api_event(photo)
    models_dir = args.models_dir.resolve()
    runs = [run_once(event, args.warm_calls, args.cpus, models_dir, args.model) for _ in range(args.runs)]
    summary = summarize(runs, args.cpus)
    summary["model"] = args.model or "default"
    summary["photo"] = f"{args.photo_size} phone photo" if args.photo_size else args.photo.name
    summary["payload_kb"] = round(len(photo) / 1024, 1)
    cold, warm = summary["cold_start_ms"], summary["warm_ms"]
    print(f"{summary['machine']}, {summary['date']}, {summary['runs']} cold starts, {warm['samples']} warm calls")
    print(f"model {summary['model']}, photo {summary['photo']} ({len(photo) / 1e6:.1f} MB)")
    print("| measure | value |")
    print("|---|---|")
    print(f"| cold start, process start to first response (median) | {cold['median']:.0f} ms |")
    print(f"| of which handler import (median) | {cold['import_median']:.0f} ms |")
    print(f"| of which first call: app, model load, detection (median) | {cold['first_call_median']:.0f} ms |")
    print(f"| warm call through the handler (median / p90) | {warm['median']:.1f} / {warm['p90']:.1f} ms |")
    print(f"| peak RSS | {summary['peak_rss_mb']:.0f} MB |")
    print(f"| PyTorch imported | {'yes' if summary['torch_imported'] else 'no'} |")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
