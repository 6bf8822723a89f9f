"""Two checkouts' servers side by side: the server CPU time and latency per request of each.

    .venv/bin/python bench/serve_ab.py --before /path/to/other/checkout [--rounds 5]

Starts `sightline serve` from this checkout's source and from `--before`'s (`src/` put first on the
path, same interpreter and packages), then in each round sends every side the same requests in
turn (the sample photos as raw bodies at concurrency 1 and 8, at the default score threshold and at
the page's 0.05, which returns up to 100 boxes a photo), so that load from other processes lands
on both alike. Prints per side and case the medians over rounds of the server's CPU ms per request
(master and workers), p50 latency at c=1 and throughput at c=8, and the difference after - before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from api_server import ApiServer  # noqa: E402
from serve import PHOTOS, HttpClient, run  # noqa: E402

CASES = {"default threshold": "", "score_threshold=0.05": "?score_threshold=0.05"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the other checkout (its src/ is served)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=60, help="requests per side, case and level in a round")
    args = parser.parse_args()

    photos = [(REPO / "samples" / name).read_bytes() for name in PHOTOS]
    sides = {"before": args.before.resolve() / "src", "after": REPO / "src"}
    servers = {}
    try:
        for side, source in sides.items():
            folder = Path(tempfile.mkdtemp())
            # Each side its own database: the two checkouts may be at different schema revisions.
            env = {
                "PYTHONPATH": str(source),
                "SIGHTLINE_LOG_FILE": str(folder / "sightline.log"),
                "SIGHTLINE_DATABASE_URL": f"sqlite:///{folder / 'sightline.db'}",
                "SIGHTLINE_IMAGES_DIR": str(folder / "images"),
            }
            servers[side] = ApiServer(env, folder / "server.out")
            servers[side].start()
        samples: dict = {(side, case, level): [] for side in sides for case in CASES for level in (1, 8)}
        for server in servers.values():  # warm-up: first passes allocate
            call = HttpClient(server.url)
            for query in CASES.values():
                run(lambda photo, call=call, query=query: call(photo, query), photos, 8, 32)
        for _ in range(args.rounds):
            for case, query in CASES.items():
                for level in (1, 8):
                    for side, server in servers.items():
                        call = HttpClient(server.url)
                        result = run(
                            lambda photo, call=call, query=query: call(photo, query),
                            photos,
                            level,
                            args.requests,
                            server.cpu_seconds,
                        )
                        if result["errors"]:
                            raise RuntimeError(f"{side}: {result['first_error']}")
                        samples[(side, case, level)].append(result)
    finally:
        for server in servers.values():
            server.stop()

    def median(side: str, case: str, level: int, key: str) -> float:
        return statistics.median(result[key] for result in samples[(side, case, level)])

    print(
        f"# bench/serve_ab.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; before: {args.before}; {args.rounds} rounds x {args.requests}"
    )
    print()
    print("| case | side | server CPU ms/request c=1 | c=8 | p50 ms c=1 | requests/s c=8 |")
    print("|---|---|---|---|---|---|")
    for case in CASES:
        for side in sides:
            cells = (
                median(side, case, 1, "cpu_ms_per_photo"),
                median(side, case, 8, "cpu_ms_per_photo"),
                median(side, case, 1, "p50_ms"),
                median(side, case, 8, "throughput"),
            )
            print(f"| {case} | {side} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
        cpu = [
            median("after", case, level, "cpu_ms_per_photo") - median("before", case, level, "cpu_ms_per_photo")
            for level in (1, 8)
        ]
        print(
            f"| {case} | after - before | {cpu[0]:+.2f} | {cpu[1]:+.2f} | "
            f"{median('after', case, 1, 'p50_ms') - median('before', case, 1, 'p50_ms'):+.2f} | "
            f"{median('after', case, 8, 'throughput') / median('before', case, 8, 'throughput'):.3f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
