"""`sightline serve`: the API behind gunicorn, one worker per core, with gthread workers that read each
request in full before a thread takes it. Why this layout: docs/decisions/0005-workers-and-core-sharing.md.
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

from ..api.logging import configure_logging
from ..config import Settings
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
            "preload_app": False,  # inference thread pools do not survive a fork: each worker loads its own
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
        from ..api import create_app

        return create_app(self.settings)


def serve(settings: Settings) -> None:
    """Run the API until interrupted: a gunicorn master that keeps `settings.workers` workers alive."""
    runtime_dir = Path(tempfile.mkdtemp(prefix="sightline-"))
    (runtime_dir / "metrics").mkdir()
    # Read by prometheus_client when it is first imported, which happens in the workers.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(runtime_dir / "metrics")
    # Read by OpenMP when PyTorch is first imported, in the workers: with its default spin-waiting a
    # pass took 1-2 s instead of 70 ms whenever other processes held the cores (decision 0005).
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
