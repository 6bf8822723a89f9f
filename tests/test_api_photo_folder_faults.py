"""A full or read-only photo folder over the real server, on SQLite and PostgreSQL.

The folder is a real 3 MB tmpfs (mounting needs root, as the test machines run): uploads fill it
until the kernel answers ENOSPC, and a remount makes it read-only as a failed disk would be.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from api_fixtures import encode
from api_server import ApiServer


@pytest.fixture
def small_disk(tmp_path: Path):
    mount_point = tmp_path / "photos"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def noise_photo(seed: int) -> bytes:
    """A 300x300 PNG of noise: about 270 KB that no compression shrinks, different for each seed."""
    pixels = np.random.default_rng(seed).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    return encode(Image.fromarray(pixels), "PNG")


def upload(server: ApiServer, data: bytes, path: str = "/api/v1/images") -> requests.Response:
    return requests.post(f"{server.url}{path}", files={"image": ("noise.png", data, "image/png")}, timeout=120)


def test_a_full_then_read_only_photo_folder_is_a_clear_503_and_detection_carries_on(
    start_server, small_disk: Path
) -> None:
    server = start_server(SIGHTLINE_IMAGES_DIR=str(small_disk))
    stored, refused = [], []
    for seed in range(16):
        answer = upload(server, noise_photo(seed))
        (stored if answer.status_code == 201 else refused).append(answer)
    assert stored and refused, "the 3 MB folder should take some photos and refuse the rest"
    for answer in refused:
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "image_store_unavailable"
        assert answer.json()["error"]["message"].startswith("the photo store is full")
    assert list((small_disk / "staging").iterdir()) == []  # no partial file left
    for answer in stored:
        record = answer.json()
        assert requests.get(f"{server.url}{record['file_url']}", timeout=30).status_code == 200
    assert upload(server, noise_photo(99), "/api/v1/detect").status_code == 200
    listed = requests.get(f"{server.url}/api/v1/images", timeout=30).json()
    assert listed["total"] == len(stored)

    server.stop()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert not os.access(small_disk, os.W_OK)
    server.start()  # it starts, storing off, and says why
    said = (small_disk.parent / "server.out").read_text() + (small_disk.parent / "sightline.log").read_text()
    assert "cannot be written" in said
    assert upload(server, noise_photo(99), "/api/v1/detect").status_code == 200
    answer = upload(server, noise_photo(100))
    assert answer.status_code == 503 and answer.json()["error"]["message"].startswith("the photo store is read-only")
    record = stored[0].json()
    assert requests.get(f"{server.url}{record['file_url']}", timeout=30).status_code == 200
    assert requests.get(f"{server.url}/api/v1/images", timeout=30).json()["total"] == len(stored)
