"""`sightline serve`: the API behind gunicorn, with the worker and thread layout measured for this service.

How concurrent requests share the machine, chosen with bench/serve.py on the 2-core development box
(2026-11-25, ONNX Runtime backend, NanoDet 416x416; figures in the README):

- One gunicorn worker per core, each with its own models and one forward pass at a time per model
  (`inference.py`). A pass that has the machine to itself runs on every core; one that starts
  while another worker is busy with a request runs on one core (`detection/sharing.py`). A lone
  request thus gets the two-core latency (HTTP p50 1.14-1.15x the best in-process p50, medians of
  three rounds in two runs) and a loaded server the single-core passes' better CPU use per photo
  (0.91-0.92x the best in-process throughput at concurrency 8; the rest is gunicorn's and Flask's
  Python). Counting only other workers' passes, not their whole requests, gave 0.88x: a worker
  between two passes let the other take both cores and contend with its next pass.
- Fixed layouts each lost one target: every pass on every core gave 0.81-0.86x throughput (two
  passes of two threads fight over two cores); one core per pass gave a lone request a p50 of
  1.77-1.90x. Rejected besides: one worker running two-thread passes behind a lock (13-15 photos/s),
  the same with a micro-batching queue grouping waiting photos into one pass (15-17 photos/s: a
  batch saved no CPU per photo), and one worker with two single-thread passes at once (0.75x: its
  Python parts contend for the GIL).
- ONNX Runtime's pool threads spin between the operators of a pass and sleep as soon as it ends
  (`detection/runtime.py`); spinning on after a pass took the cores the other worker needed.
- OMP_WAIT_POLICY=PASSIVE: with OpenMP's default spin-waiting, a two-thread PyTorch pass took
  1-2 s instead of 70 ms whenever other processes held the cores (the `torch` backend).
- gthread workers with `threads` threads: a worker takes several connections at once, keep-alive
  clients cost nothing while idle, and /healthz answers while a pass runs. Each request is read in
  full by the worker's event loop before a thread takes it (`worker.py`), so slow clients hold no
  thread. A crashed worker is
  replaced by the master; the other worker serves meanwhile.
- preload off: each worker loads its models after the fork, as inference thread pools do not
  survive a fork; the default model loads in the background, and /readyz says when it is in.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from ..config import Settings
from .logging import configure_logging
from .worker import ReadAheadWorker


class _ToSightlineLog(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger("sightline.server").handle(record)


class _GunicornLogger(glogging.Logger):
    """gunicorn's own messages (workers booted, killed, respawned) go to Sightline's log file and stderr."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.addHandler(_ToSightlineLog())


def _post_fork(server, worker) -> None:
    from .memory import tune_malloc

    tune_malloc()


def _child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class SightlineServer(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__(prog="sightline serve")

    def load_config(self) -> None:
        settings = self.settings
        runtime_dir = settings.runtime_dir
        options = {
            "bind": f"{settings.host}:{settings.port}",
            "workers": settings.workers,
            "worker_class": ReadAheadWorker,
            "threads": settings.threads,
            "preload_app": False,  # see the module docstring
            "keepalive": 5,
            "timeout": 60,
            "graceful_timeout": 30,
            "accesslog": None,  # the app logs one structured line per request itself
            "loglevel": settings.log_level.lower(),
            "logger_class": _GunicornLogger,
            "worker_tmp_dir": str(runtime_dir),
            "control_socket_disable": True,
            "proc_name": "sightline",
            "post_fork": _post_fork,
            "child_exit": _child_exit,
            "on_exit": lambda server: shutil.rmtree(runtime_dir, ignore_errors=True),
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app(self.settings)


def serve(settings: Settings) -> None:
    """Run the API until interrupted: a gunicorn master that keeps `settings.workers` workers alive."""
    runtime_dir = Path(tempfile.mkdtemp(prefix="sightline-"))
    (runtime_dir / "metrics").mkdir()
    # Read by prometheus_client when it is first imported, which happens in the workers.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(runtime_dir / "metrics")
    # Read by OpenMP when PyTorch is first imported, in the workers: see the note at the top.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    cores = len(os.sched_getaffinity(0))
    workers = settings.workers or cores
    settings = dataclasses.replace(
        settings,
        runtime_dir=runtime_dir,
        workers=workers,
        inference_threads=settings.inference_threads or cores,
    )
    configure_logging(settings)
    logging.getLogger("sightline.server").info(
        "serving on http://%s:%d with %d worker(s) x %d threads, %d inference threads each",
        settings.host,
        settings.port,
        settings.workers,
        settings.threads,
        settings.inference_threads,
    )
    SightlineServer(settings).run()
