"""Storing over the real server (gunicorn, two workers) when requests race, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image

from api_fixtures import ADMIN_KEY
from api_server import ApiServer

CLIENTS = 16


def small_photo(samples_dir: Path, shade: int) -> bytes:
    """A 160x120 copy of the dog photo, made new by one pixel so that no earlier upload stored it."""
    with Image.open(samples_dir / "dog.jpg") as original:
        picture = original.convert("RGB").resize((160, 120))
    picture.putpixel((0, 0), (shade, shade, shade))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def upload(server: ApiServer, data: bytes) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/images", files={"image": ("photo.png", data, "image/png")}, timeout=120)


def test_identical_uploads_at_once_all_succeed_and_share_one_photo(start_server, samples_dir: Path) -> None:
    server = start_server()
    for shade in range(2):
        data = small_photo(samples_dir, shade)
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(lambda _, data=data: upload(server, data), range(CLIENTS)))
        assert [answer.status_code for answer in answers] == [201] * CLIENTS, answers[0].text
        assert len({answer.json()["id"] for answer in answers}) == 1
        image_id = answers[0].json()["id"]
        assert len(requests.get(f"{server.url}/api/v1/images/{image_id}", timeout=30).json()["predictions"]) == CLIENTS
        assert requests.get(f"{server.url}/api/v1/images/{image_id}/file", timeout=30).content == data
    assert requests.get(f"{server.url}/api/v1/images", timeout=30).json()["total"] == 2


def test_uploads_racing_deletes_store_fully_or_answer_404_or_409(start_server, samples_dir: Path) -> None:
    server = start_server()
    data = small_photo(samples_dir, 7)
    latest = {"id": upload(server, data).json()["id"]}

    def upload_and_remember() -> int:
        answer = upload(server, data)
        if answer.status_code == 201:
            latest["id"] = answer.json()["id"]
        return answer.status_code

    def delete_latest() -> int:
        answer = requests.delete(
            f"{server.url}/api/v1/images/{latest['id']}", headers={"X-Admin-Key": ADMIN_KEY}, timeout=120
        )
        return answer.status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        jobs = [pool.submit(delete_latest if number % 2 else upload_and_remember) for number in range(4 * CLIENTS)]
        statuses = [job.result() for job in jobs]
    assert set(statuses) <= {201, 204, 404, 409} and 204 in statuses and 201 in statuses, statuses

    # What is left is whole: every listed photo has its file, and its record its predictions.
    for item in requests.get(f"{server.url}/api/v1/images", timeout=30).json()["items"]:
        record = requests.get(f"{server.url}/api/v1/images/{item['id']}", timeout=30).json()
        assert record["predictions"]
        assert requests.get(f"{server.url}{record['file_url']}", timeout=30).content == data
