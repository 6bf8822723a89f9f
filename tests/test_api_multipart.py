"""Multipart photo parts sent without a filename, over the real server.

`curl -F 'image=<dog.jpg'`, many HTTP libraries and generated API clients send a file's bytes in a
part that names no file: the part is still the photo, byte for byte, whatever bytes it holds.
"""

from __future__ import annotations

import numpy as np
import pytest
import requests
from PIL import Image

from api_fixtures import encode
from test_api_server import error_of


def unnamed_part(photo: bytes, kind: str | None = "image/jpeg") -> tuple[str, tuple]:
    """A multipart part `image` holding `photo`, with no filename (and no content type when `kind` is None)."""
    return ("image", (None, photo) if kind is None else (None, photo, kind))


def noise_png(side: int = 600) -> bytes:
    """A PNG of random pixels: about 1 MB, over werkzeug's 500 KB limit for a text field, and not UTF-8 text."""
    pixels = np.random.default_rng(13).integers(0, 256, (side, side, 3), dtype=np.uint8)
    return encode(Image.fromarray(pixels), "PNG")


def post(server, path: str, parts: list, query: str = "") -> requests.Response:
    return requests.post(f"{server.url}{path}{query}", files=parts, timeout=120)


@pytest.mark.parametrize("kind", ["image/jpeg", "application/octet-stream", None])
def test_a_photo_part_without_a_filename_gets_the_same_boxes_as_a_named_one(server, photos, kind):
    named = post(server, "/api/v1/detect", [("image", ("dog.jpg", photos["dog"], "image/jpeg"))])
    unnamed = post(server, "/api/v1/detect", [unnamed_part(photos["dog"], kind)])

    assert unnamed.status_code == 200, unnamed.text
    assert unnamed.json()["image"] == {"width": 768, "height": 576}
    assert unnamed.json()["detections"] == named.json()["detections"]


def test_a_photo_part_without_a_filename_over_the_text_field_limit_is_read_whole(server):
    photo = noise_png()
    assert len(photo) > 1_000_000
    with pytest.raises(UnicodeDecodeError):
        photo.decode()

    response = post(server, "/api/v1/detect", [unnamed_part(photo, "image/png")])

    assert response.status_code == 200, response.text
    assert response.json()["image"] == {"width": 600, "height": 600}


def test_a_batch_of_parts_without_filenames_gets_one_result_per_photo_in_order(server, photos):
    parts = [unnamed_part(photos["horses"]), unnamed_part(photos["dog"], None), unnamed_part(noise_png(), "image/png")]

    response = post(server, "/api/v1/detect/batch", parts)

    assert response.status_code == 200, response.text
    assert [result["image"]["width"] for result in response.json()["results"]] == [773, 768, 600]


@pytest.mark.parametrize(
    ("path", "parts", "status", "code", "words"),
    [
        pytest.param("/api/v1/detect", [unnamed_part(b"")], 400, "missing_image", "empty", id="empty part"),
        pytest.param(
            "/api/v1/detect",
            [unnamed_part(b"a dog", "text/plain")],
            415,
            "unsupported_media_type",
            "text/plain",
            id="text part",
        ),
        pytest.param(
            "/api/v1/detect",
            [unnamed_part(b"\xff\xd8 no jpeg after all" * 20)],
            415,
            "not_an_image",
            "",
            id="bytes that are no image",
        ),
        pytest.param(
            "/api/v1/detect/batch",
            [unnamed_part(b"GIF89a"), unnamed_part(b"")],
            400,
            "missing_image",
            "photo 2",
            id="second batch part empty",
        ),
        pytest.param(
            "/api/v1/images",
            [unnamed_part(b"a dog", "text/plain")],
            415,
            "unsupported_media_type",
            "text/plain",
            id="text part to store",
        ),
    ],
)
def test_a_bad_part_without_a_filename_gets_the_one_error_body_naming_the_problem(
    server, path, parts, status, code, words
):
    response = post(server, path, parts)

    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code
    assert words in error["message"]


@pytest.fixture
def storing_server(start_server):
    return start_server()


def test_a_stored_photo_sent_without_a_filename_is_byte_identical(storing_server, photos):
    photo = noise_png()

    uploaded = post(storing_server, "/api/v1/images", [unnamed_part(photo, "image/png")])
    detected = post(storing_server, "/api/v1/detect", [unnamed_part(photos["dog"], None)], "?store=true")

    assert uploaded.status_code == 201, uploaded.text
    assert detected.status_code == 200, detected.text
    assert uploaded.json()["file_name"] is None
    stored = [uploaded.json()["id"], detected.json()["stored"]["image_id"]]
    for image_id, sent in zip(stored, [photo, photos["dog"]], strict=True):
        kept = requests.get(f"{storing_server.url}/api/v1/images/{image_id}/file", timeout=30)
        assert kept.status_code == 200
        assert kept.content == sent
