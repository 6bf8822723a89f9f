"""Normal clients while slow ones are connected: probe success and latency with 64 slow clients.

    .venv/bin/python bench/slow_clients.py [--slow 64] [--seconds 60]

Starts `sightline serve --workers 2`, connects --slow clients that each send a request's headers
(half of them) or its headers and then a body (the other half) at one byte a second, reconnecting
when the server drops them, and meanwhile sends a /healthz probe and a detection of samples/dog.jpg
(multipart, score_threshold=0.05, as the page does) every half second. Reports how many probes
succeeded within 5 s (health) and 10 s (detect), their latency, and how the slow clients ended.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
SLOW_REQUESTS = (
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
    b"POST /api/v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n",
)


def slow_client(port: int, first: bytes, stop: threading.Event, endings: Counter, held: list[float]) -> None:
    while not stop.is_set():
        connected = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(first)
                connection.settimeout(0.001)
                while not stop.wait(1.0):
                    try:
                        answer = connection.recv(64)
                    except TimeoutError:
                        answer = None
                    if answer is not None:
                        endings[answer.split(b" ", 2)[1].decode() if answer else "closed"] += 1
                        break
                    connection.send(b"x")
        except OSError as error:
            endings[type(error).__name__] += 1
        held.append(time.monotonic() - connected)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow", type=int, default=64, help="slow clients connected at once")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the probes run")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO / "tests"))
    from api_server import ApiServer

    photo = (REPO / "samples" / "dog.jpg").read_bytes()
    folder = Path(tempfile.mkdtemp(prefix="sightline-slow-"))
    env = {"SIGHTLINE_WORKERS": "2", "SIGHTLINE_LOG_FILE": str(folder / "sightline.log")}
    probes: dict[str, list[float | None]] = {"health": [], "detect": []}
    endings: Counter = Counter()
    held: list[float] = []
    with ApiServer(env, folder / "server.out") as server:
        stop = threading.Event()
        clients = [
            threading.Thread(
                target=slow_client,
                args=(server.port, SLOW_REQUESTS[number % 2], stop, endings, held),
                daemon=True,
            )
            for number in range(args.slow)
        ]
        for client in clients:
            client.start()
        time.sleep(2.0)
        finish = time.monotonic() + args.seconds
        while time.monotonic() < finish:
            for kind, call in (
                ("health", lambda: requests.get(f"{server.url}/healthz", timeout=5)),
                (
                    "detect",
                    lambda: requests.post(
                        f"{server.url}/api/v1/detect",
                        data={"score_threshold": "0.05"},
                        files={"image": ("dog.jpg", photo, "image/jpeg")},
                        timeout=10,
                    ),
                ),
            ):
                started = time.monotonic()
                try:
                    ok = call().status_code == 200
                except requests.RequestException:
                    ok = False
                probes[kind].append(time.monotonic() - started if ok else None)
            time.sleep(0.5)
        stop.set()
        for client in clients:
            client.join()

    load = os.getloadavg()
    print(
        f"# bench/slow_clients.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()},"
        f" {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f};"
        f" {args.slow} slow clients, {args.seconds:g} s of probes"
    )
    print("| probe | succeeded | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for kind, results in probes.items():
        times = sorted(result * 1000 for result in results if result is not None)
        cells = (
            f"{statistics.median(times):.0f} | {times[int(0.95 * (len(times) - 1))]:.0f} | {times[-1]:.0f}"
            if times
            else "- | - | -"
        )
        print(f"| {kind} | {len(times)}/{len(results)} | {cells} |")
    print(f"slow clients ended by: {dict(endings)}; longest held {max(held, default=0):.1f} s")
    failed = sum(result is None for results in probes.values() for result in results)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
