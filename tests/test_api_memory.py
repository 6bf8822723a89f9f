"""The real server under a flood of large photos: bounded by its pixel budget, and giving the memory back.

At a quarter of the full scale (12-megapixel GIFs) so that the test stays well under 3 GB even
without the budget; the full-scale figures come from bench/memory_flood.py.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from PIL import Image

from api_fixtures import encode
from api_server import ApiServer
from test_api_server import error_of

SIDE = 3500  # 12.25 megapixels


@pytest.fixture(scope="module")
def large_gif() -> bytes:
    return encode(Image.new("P", (SIDE, SIDE), 3), "GIF")


def start(models_dir: Path, folder: Path, **settings: str) -> ApiServer:
    env = {
        "SIGHTLINE_DATA_DIR": str(folder),
        "SIGHTLINE_MODELS_DIR": str(models_dir),
        "SIGHTLINE_LOG_FILE": str(folder / "sightline.log"),
        **{f"SIGHTLINE_{name.upper()}": value for name, value in settings.items()},
    }
    return ApiServer(env, folder / "server.out")


def send(server: ApiServer, photo: bytes, count: int) -> list[requests.Response]:
    def one(_: int) -> requests.Response:
        files = {"image": ("large.gif", photo, "image/gif")}
        return requests.post(f"{server.url}/api/v1/detect", data={"score_threshold": "0.05"}, files=files, timeout=300)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_a_flood_of_large_photos_is_decoded_within_the_budget_and_the_memory_is_given_back(
    models_dir, tmp_path, large_gif
):
    peak = 0
    done = threading.Event()
    with start(models_dir, tmp_path, workers="2", decode_pixels="13000000", decode_wait="300") as server:
        send(server, large_gif, 2)  # first passes and decodes allocate what a worker keeps for good
        idle = server.memory_bytes()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.05):
                peak = max(peak, server.memory_bytes())

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            answers = send(server, large_gif, 16)
        finally:
            done.set()
            sampler.join()
        time.sleep(5)
        settled = server.memory_bytes()

    assert [answer.status_code for answer in answers] == [200] * 16
    # One 12-megapixel decode at a time per worker takes about 110 MB; 16 at once took 1.7 GB.
    assert peak - idle < 600e6
    assert settled - idle < 150e6


def test_photos_beyond_the_budget_wait_their_turn_then_get_503_with_retry_after(models_dir, tmp_path, large_gif):
    with start(models_dir, tmp_path, workers="1", decode_pixels="13000000", decode_wait="0") as server:
        answers = send(server, large_gif, 6)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses[0] == 200 and statuses[-1] == 503
    assert set(statuses) == {200, 503}
    for answer in answers:
        if answer.status_code == 503:
            error = error_of(answer)
            assert error["code"] == "server_busy" and "retry" in error["message"]
            assert int(answer.headers["Retry-After"]) >= 1
