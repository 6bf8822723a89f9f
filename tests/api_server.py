"""Runs the real `sightline serve` (gunicorn) on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ApiServer:
    """`with ApiServer(env) as server:` starts gunicorn, waits for /readyz, and stops it on exit."""

    def __init__(self, env: dict[str, str], output: Path, args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.output = output
        self.args = args
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ApiServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, timeout: float = 90.0) -> None:
        command = [sys.executable, "-m", "sightline.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.output, "ab") as output:
            self.process = subprocess.Popen(
                [*command, *self.args], env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output.read_text()}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the server was not ready within {timeout} s:\n{self.output.read_text()}")

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def memory_bytes(self) -> int:
        """Resident memory of the master and its workers together."""
        processes = [psutil.Process(self.process.pid), *self.workers()]
        return sum(process.memory_info().rss for process in processes)

    def cpu_seconds(self) -> float:
        """CPU time the master and its current workers have used, user and system."""
        processes = [psutil.Process(self.process.pid), *self.workers()]
        return sum(sum(process.cpu_times()[:2]) for process in processes)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
