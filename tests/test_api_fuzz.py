"""Schemathesis sends generated requests, valid and invalid, to the operations in the OpenAPI document.

On SQLite and on PostgreSQL (NUL bytes and the like reach the database only there). Whatever it
sends, the API must answer without a 5xx, with a documented status and a body that matches the
documented schema; and every check is on, so a request the document calls valid must be accepted.
The document enumerates the names it can (models, classes) and requires the photo; what a schema
cannot say is that a file is a photo, so valid uploads are made real photos here: small JPEG, PNG,
WebP, BMP, GIF and TIFF files of generated sizes and colours, and dataset archives real COCO zips.
Nor can it say that a corrected box lies inside its photo: feedback is sent to an empty database,
where every photo is unknown (404).
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
import schemathesis
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from schemathesis.config import SchemathesisConfig
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sightline.api.schemas.detect import IMAGE_TYPES

# One entry per blueprint (its OpenAPI tag); a new resource adds its own.
TAGS = ["detect", "models", "health", "images", "feedback", "review_queue", "evaluations", "datasets", "stats"]
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


@st.composite
def _datasets(draw) -> bytes:
    """A COCO dataset zip of one generated photo with one box: what a schema cannot say an archive must be."""
    photo = draw(_photos("JPEG"))
    width, height = Image.open(io.BytesIO(photo)).size
    document = {
        "images": [{"id": 1, "file_name": "photo.jpg", "width": width, "height": height}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, width / 2, height / 2]}],
        "categories": [{"id": 1, "name": "dog"}],
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("annotations.json", json.dumps(document))
        bundle.writestr("images/photo.jpg", photo)
    return archive.getvalue()


schemathesis.openapi.media_type("application/zip", _datasets())

# Every check, on generated valid and invalid requests, in the examples, coverage and fuzzing phases;
# at most this many generated requests of each mode per operation in the fuzzing phase.
MAX_EXAMPLES = 5
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
        "suppress-health-check": ["all"],
    }
)


@pytest.fixture(params=TAGS)
def fuzzed_schema(request, make_app, database_url: str, tmp_path, photos):
    """One resource's operations, on an app of their own: this test's SQLite or PostgreSQL database and photo folder.

    Until the default model has loaded, /readyz rightly answers 503 `not_ready`; fuzzing starts after.
    """
    # Four photos a batch, not the default 16: the served document says so, and each batch costs less.
    app = make_app(database_url=database_url, images_dir=tmp_path / "images", max_batch_images=4)
    client = app.test_client()
    deadline = time.monotonic() + 120
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the default model did not load within 120 s"
        time.sleep(0.2)
    if request.param == "evaluations":
        _review_one_photo(client, photos["dog"])
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG).include(tag=request.param)
    _wait_for_evaluations(client)


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


# A valid COCO archive is still refused when the `format` beside it names another: no schema can tie
# a query parameter to what is inside a file (README, "API fuzzing").
_MAY_REFUSE_VALID_DATA = {"POST /api/v1/datasets"}


def _call_and_validate(case) -> None:
    if case.operation.label in _MAY_REFUSE_VALID_DATA:
        case.call_and_validate(excluded_checks=[positive_data_acceptance])
    else:
        case.call_and_validate()


def test_generated_requests_get_documented_answers_and_valid_ones_succeed(fuzzed_schema):
    # The tests schemathesis' pytest plugin would run for each operation (its `from_fixture` loader
    # cannot name the subtests under pytest 9): the examples, coverage and fuzzing phases.
    tests = [
        result.ok()
        for result in get_all_tests(
            schema=fuzzed_schema, test_func=_call_and_validate, settings=None, given_kwargs=None
        )
    ]
    assert tests
    failures = []
    for operation, test in tests:
        try:
            test()
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
