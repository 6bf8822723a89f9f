"""Memory under a flood of large photos: peak and settled RSS of the whole server (master and workers).

    .venv/bin/python bench/memory_flood.py                    # every flood, the server's own malloc settings
    .venv/bin/python bench/memory_flood.py --glibc-defaults   # the same with glibc's default malloc behaviour

Starts `sightline serve --workers 2`, then for each kind of 49-megapixel upload (a 37 KB single-colour
GIF, a 16-bit PNG, a 7000x7000 JPEG) sends 16 at once, as the page does (multipart, score_threshold=0.05),
and one batch of 16 GIFs. RSS is sampled every 50 ms from the first request until every answer is in
(the peak) and 30 s after that (settled); the idle figure is taken before each flood.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import requests
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
SIDE = 7000
PARAMETERS = {"score_threshold": "0.05"}


def payloads() -> dict[str, tuple[str, bytes]]:
    def encoded(image: Image.Image, kind: str, **options) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, kind, **options)
        return buffer.getvalue()

    gif = encoded(Image.new("P", (SIDE, SIDE), 3), "GIF")
    png = encoded(Image.new("I;16", (SIDE, SIDE), 40000), "PNG")
    rng = np.random.default_rng(0)
    coarse = Image.fromarray(rng.integers(0, 256, (SIDE // 8, SIDE // 8, 3), dtype=np.uint8))
    texture = rng.integers(-24, 25, (SIDE, SIDE, 3), dtype=np.int16)
    pixels = np.clip(np.asarray(coarse.resize((SIDE, SIDE), Image.BICUBIC), dtype=np.int16) + texture, 0, 255)
    jpeg = encoded(Image.fromarray(pixels.astype(np.uint8)), "JPEG", quality=80)
    del pixels, texture
    return {"gif": ("image/gif", gif), "png16": ("image/png", png), "jpeg": ("image/jpeg", jpeg)}


class RssSampler:
    def __init__(self, server) -> None:
        self.server = server
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, self.server.memory_bytes())
            except Exception:  # a worker exiting between listing and reading
                continue

    def __enter__(self) -> RssSampler:
        self.peak = self.server.memory_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def flood(server, name: str, kind: str, data: bytes, concurrency: int, settle_s: float) -> dict:
    idle = server.memory_bytes()

    def single(_: int) -> int:
        files = {"image": (f"flood.{name}", data, kind)}
        return requests.post(f"{server.url}/api/v1/detect", data=PARAMETERS, files=files, timeout=300).status_code

    def batch() -> int:
        files = [("image", (f"flood{n}.{name}", data, kind)) for n in range(concurrency)]
        return requests.post(f"{server.url}/api/v1/detect/batch", data=PARAMETERS, files=files, timeout=300).status_code

    started = time.monotonic()
    with RssSampler(server) as sampler:
        if name.startswith("batch"):
            statuses = Counter([batch()])
        else:
            with ThreadPoolExecutor(concurrency) as pool:
                statuses = Counter(pool.map(single, range(concurrency)))
    seconds = time.monotonic() - started
    time.sleep(settle_s)
    return {
        "flood": name,
        "bytes": len(data),
        "idle_mb": idle / 1e6,
        "peak_mb": sampler.peak / 1e6,
        "settled_mb": server.memory_bytes() / 1e6,
        "seconds": seconds,
        "statuses": dict(statuses),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glibc-defaults", action="store_true", help="leave malloc as glibc sets it up")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--settle", type=float, default=30.0, help="seconds after the flood for the settled RSS")
    parser.add_argument("--floods", default="gif,png16,jpeg,batch-gif", help="which floods, in order")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO / "tests"))
    from api_server import ApiServer

    made = payloads()
    folder = Path(tempfile.mkdtemp(prefix="sightline-flood-"))
    env = {"SIGHTLINE_WORKERS": "2", "SIGHTLINE_LOG_FILE": str(folder / "sightline.log")}
    if args.glibc_defaults:
        # Any glibc.malloc tunable makes the server leave malloc alone; perturb=0 is glibc's default.
        env["GLIBC_TUNABLES"] = "glibc.malloc.perturb=0"
    results = []
    with ApiServer(env, folder / "server.out") as server:
        for name in args.floods.split(","):
            kind, data = made[name.removeprefix("batch-")]
            results.append(flood(server, name, kind, data, args.concurrency, args.settle))
            print(results[-1], flush=True)

    load = os.getloadavg()
    print(
        f"# bench/memory_flood.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()},"
        f" {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f};"
        f" malloc: {'glibc defaults' if args.glibc_defaults else 'the server own settings'}"
    )
    print("| flood | upload | idle MB | peak MB | 30 s later MB | seconds | answers |")
    print("|---|---|---|---|---|---|---|")
    for row in results:
        answers = ", ".join(f"{count}x {status}" for status, count in sorted(row["statuses"].items()))
        print(
            f"| {row['flood']} | {row['bytes'] / 1e3:,.0f} KB | {row['idle_mb']:.0f} | {row['peak_mb']:.0f} |"
            f" {row['settled_mb']:.0f} | {row['seconds']:.1f} | {answers} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
