"""Schemathesis sends generated requests, valid and invalid, to the operations in the OpenAPI document.

On SQLite and on PostgreSQL (NUL bytes and the like reach the database only there). Whatever it
sends, the API must answer without a 5xx, with a documented status and a body that matches the
documented schema; and every check is on, so a request the document calls valid must be accepted.
The document enumerates the names it can (models, classes) and requires the photo; what a schema
cannot say is that a file is a photo, so valid uploads are made real photos here: small JPEG, PNG,
WebP, BMP, GIF and TIFF files of generated sizes and colours. Nor can it say that a corrected box
lies inside its photo: feedback is sent to an empty database, where every photo is unknown (404).
"""

from __future__ import annotations

import io
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from sightline.api.schemas.detect import IMAGE_TYPES

# One entry per blueprint (its OpenAPI tag); a new resource adds its own.
TAGS = ["detect", "models", "health", "images", "feedback", "review_queue", "evaluations", "stats"]
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "gif": "GIF", "tiff": "TIFF"}
_COLOURS = st.tuples(*[st.integers(0, 255)] * 3)


@st.composite
def _photos(draw, pillow_format: str) -> bytes:
    width, height = draw(st.integers(8, 96)), draw(st.integers(8, 96))
    image = Image.new("RGB", (width, height), draw(_COLOURS))
    box = (
        sorted(draw(st.tuples(st.integers(0, width), st.integers(0, width)))),
        sorted(draw(st.tuples(st.integers(0, height), st.integers(0, height)))),
    )
    ImageDraw.Draw(image).ellipse([box[0][0], box[1][0], box[0][1], box[1][1]], fill=draw(_COLOURS))
    encoded = io.BytesIO()
    image.save(encoded, pillow_format)
    return encoded.getvalue()


for _kind in IMAGE_TYPES:
    schemathesis.openapi.media_type(_kind, _photos(_PILLOW_FORMATS[_kind.removeprefix("image/")]))


@pytest.fixture
def fuzzed_app(make_app, database_url: str, tmp_path, photos):
    """An app on this test's own SQLite or PostgreSQL database, storing into its own folder, its model loaded.

    Until the default model has loaded, /readyz rightly answers 503 `not_ready`; fuzzing starts after.
    """
    app = make_app(database_url=database_url, images_dir=tmp_path / "images")
    client = app.test_client()
    deadline = time.monotonic() + 120
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the default model did not load within 120 s"
        time.sleep(0.2)
    return app


def _review_one_photo(client, photo: bytes) -> None:
    """A reviewed photo with one confirmed box: the "reviewed" dataset an evaluation runs on."""
    stored = client.post("/api/v1/images", data={"image": (io.BytesIO(photo), "dog.jpg")}).get_json()
    detection = stored["predictions"][0]["detections"][0]["id"]
    body = {"detections": [{"detection_id": detection, "verdict": "correct"}], "reviewed": True}
    assert client.post(f"/api/v1/images/{stored['id']}/feedback", json=body).status_code == 200


def _wait_for_evaluations(client) -> None:
    deadline = time.monotonic() + 600
    while any(e["status"] in ("queued", "running") for e in client.get("/api/v1/evaluations").get_json()["items"]):
        assert time.monotonic() < deadline, "an evaluation did not finish within 600 s"
        time.sleep(0.5)


@pytest.mark.parametrize("tag", TAGS)
def test_generated_requests_get_documented_answers_and_valid_ones_succeed(fuzzed_app, tag, photos):
    client = fuzzed_app.test_client()
    if tag == "evaluations":
        _review_one_photo(client, photos["dog"])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app).include(tag=tag)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    try:
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def check(case):
                case.call_and_validate()

            check()
    finally:
        _wait_for_evaluations(client)
