"""POST /api/v1/detect and /detect/batch through Flask's test client: results, parameters, every bad input."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from api_fixtures import encode
from sightline.detection.images import load_image


def engine_result(registry, photo: bytes, model: str = "nanodet", **options) -> list[dict]:
    from sightline.detection.options import DetectOptions

    return registry.get(model).detect([load_image(photo)], DetectOptions(**options))[0].to_json()


def upload(photo: bytes, name: str = "photo.jpg", kind: str = "image/jpeg") -> dict:
    return {"image": (io.BytesIO(photo), name, kind)}


def assert_same_detections(found: list[dict], expected: list[dict]) -> None:
    assert [item["label"] for item in found] == [item["label"] for item in expected]
    for item, wanted in zip(found, expected, strict=True):
        assert item["score"] == pytest.approx(wanted["score"], abs=2e-3)
        for corner in ("x1", "y1", "x2", "y2"):
            assert item["box"][corner] == pytest.approx(wanted["box"][corner], abs=1.0)


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["request_id"] == response.headers["X-Request-ID"]
    assert body["error"]["message"]
    return body["error"]


def test_a_photo_upload_finds_the_objects_the_engine_finds(client, photos, registry):
    response = client.post("/api/v1/detect", data=upload(photos["dog"]))

    assert response.status_code == 200
    result = response.get_json()
    assert set(result) == {"id", "model", "image", "detections", "timing_ms"}
    assert result["model"] == {"name": "nanodet", "version": registry.spec("nanodet").version}
    assert result["image"] == {"width": 768, "height": 576}
    assert set(result["timing_ms"]) == {"decode", "inference", "total"}
    assert result["timing_ms"]["total"] >= result["timing_ms"]["inference"] > 0
    assert_same_detections(result["detections"], engine_result(registry, photos["dog"]))
    dog = next(item["box"] for item in result["detections"] if item["label"] == "dog")
    assert dog["x2"] < 400 and dog["y1"] > 150  # the dog sits bottom left in dog.jpg, in original pixels


def test_the_raw_body_form_gives_the_same_result_as_the_multipart_form(client, photos):
    multipart = client.post("/api/v1/detect", data=upload(photos["person"])).get_json()
    raw = client.post("/api/v1/detect", data=photos["person"], content_type="image/jpeg").get_json()

    assert raw["detections"] == multipart["detections"]
    assert raw["id"] != multipart["id"]
    assert "person" in [item["label"] for item in raw["detections"]]


def test_parameters_narrow_the_result(client, photos, registry):
    query = "?classes=bicycle,dog&score_threshold=0.35&iou_threshold=0.4&max_detections=2"
    result = client.post("/api/v1/detect" + query, data=upload(photos["dog"])).get_json()

    expected = engine_result(
        registry,
        photos["dog"],
        class_ids=frozenset({1, 16}),
        score_threshold=0.35,
        iou_threshold=0.4,
        max_detections=2,
    )
    assert_same_detections(result["detections"], expected)
    assert len(result["detections"]) == 2
    assert {item["label"] for item in result["detections"]} <= {"bicycle", "dog"}


def test_parameters_may_be_form_fields_of_the_upload(client, photos):
    form = {**upload(photos["dog"]), "classes": "dog", "max_detections": "1"}
    result = client.post("/api/v1/detect", data=form).get_json()

    assert [item["label"] for item in result["detections"]] == ["dog"]


def test_another_model_can_be_named(client, photos, registry):
    result = client.post("/api/v1/detect?model=centernet", data=upload(photos["dog"])).get_json()

    assert result["model"]["name"] == "centernet"
    assert_same_detections(result["detections"], engine_result(registry, photos["dog"], model="centernet"))


def exif_rotated(photo: bytes) -> bytes:
    """The photo's pixels turned a quarter left, with the EXIF orientation (6) that turns them upright."""
    original = Image.open(io.BytesIO(photo))
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(original.transpose(Image.Transpose.ROTATE_90), quality=95, exif=exif)


def test_an_exif_rotated_photo_gets_boxes_on_the_upright_objects(client, photos, registry):
    rotated = exif_rotated(photos["dog"])
    assert Image.open(io.BytesIO(rotated)).size == (576, 768)  # stored sideways

    result = client.post("/api/v1/detect", data=upload(rotated)).get_json()

    assert result["image"] == {"width": 768, "height": 576}
    upright = engine_result(registry, photos["dog"])
    found = {item["label"]: item["box"] for item in reversed(result["detections"])}
    for wanted in upright[:3]:  # the strongest objects, on a re-encoded copy of the photo
        box = found[wanted["label"]]
        for corner in ("x1", "y1", "x2", "y2"):
            assert box[corner] == pytest.approx(wanted["box"][corner], abs=12)


def test_a_batch_gives_one_result_per_photo_in_order(client, photos, registry):
    names = ["horses", "dog", "person"]
    data = {"image": [(io.BytesIO(photos[name]), f"{name}.jpg", "image/jpeg") for name in names]}
    response = client.post("/api/v1/detect/batch?score_threshold=0.4", data=data)

    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["image"]["width"], r["image"]["height"]) for r in results] == [(773, 512), (768, 576), (640, 424)]
    for name, result in zip(names, results, strict=True):
        assert_same_detections(result["detections"], engine_result(registry, photos[name], score_threshold=0.4))
    assert len({result["id"] for result in results}) == 3


def png_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A 1-bit PNG of width x height black pixels: a few kilobytes that decode to 100 megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = (b"\x00" + bytes((width + 7) // 8)) * height
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def truncated(photo: bytes) -> bytes:
    return photo[: len(photo) // 2]


BAD_REQUESTS = [
    pytest.param("?model=yolo", "upload", 400, "unknown_model", id="unknown model"),
    pytest.param("?score_threshold=1.5", "upload", 400, "bad_parameter", id="score threshold above 1"),
    pytest.param("?score_threshold=-0.1", "upload", 400, "bad_parameter", id="score threshold below 0"),
    pytest.param("?iou_threshold=nan", "upload", 400, "bad_parameter", id="iou threshold not a number"),
    pytest.param("?score_threshold=high", "upload", 400, "bad_parameter", id="threshold a word"),
    pytest.param("?max_detections=0", "upload", 400, "bad_parameter", id="max detections zero"),
    pytest.param("?classes=dog,unicorn", "upload", 400, "unknown_class", id="unknown class"),
    pytest.param("", "no image field", 400, "missing_image", id="multipart without image"),
    pytest.param("", "two images", 400, "too_many_images", id="two images to the single endpoint"),
    pytest.param("", "empty raw body", 400, "missing_image", id="empty raw body"),
    pytest.param("", "text body", 415, "unsupported_media_type", id="text body"),
    pytest.param("", "text part", 415, "unsupported_media_type", id="multipart part not an image"),
    pytest.param("", "garbage as jpeg", 415, "not_an_image", id="bytes that are no image"),
    pytest.param("", "truncated", 422, "undecodable_image", id="truncated jpeg"),
    pytest.param("", "bomb", 422, "image_too_large", id="decompression bomb"),
]


def send(client, query: str, kind: str, photo: bytes):
    url = "/api/v1/detect" + query
    bodies = {
        "upload": lambda: client.post(url, data=upload(photo)),
        "no image field": lambda: client.post(url, data={"photo": (io.BytesIO(photo), "a.jpg", "image/jpeg")}),
        "two images": lambda: client.post(url, data={"image": [(io.BytesIO(photo), f"{i}.jpg") for i in range(2)]}),
        "empty raw body": lambda: client.post(url, data=b"", content_type="image/jpeg"),
        "text body": lambda: client.post(url, data="a photo of a dog", content_type="text/plain"),
        "text part": lambda: client.post(url, data=upload(b"a dog", "dog.txt", "text/plain")),
        "garbage as jpeg": lambda: client.post(url, data=b"\x00\x01 not a picture" * 50, content_type="image/jpeg"),
        "truncated": lambda: client.post(url, data=upload(truncated(photo))),
        "bomb": lambda: client.post(url, data=upload(png_bomb(), "bomb.png", "image/png")),
    }
    return bodies[kind]()


@pytest.mark.parametrize(("query", "kind", "status", "code"), BAD_REQUESTS)
def test_bad_requests_get_their_status_and_the_one_error_body(client, photos, query, kind, status, code):
    response = send(client, query, kind, photos["dog"])

    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_error_messages_say_what_was_wrong(client, photos):
    threshold = error_of(client.post("/api/v1/detect?score_threshold=1.5", data=upload(photos["dog"])))
    model = error_of(client.post("/api/v1/detect?model=yolo", data=upload(photos["dog"])))
    bomb = error_of(client.post("/api/v1/detect", data=upload(png_bomb(), "bomb.png", "image/png")))

    assert "score_threshold" in threshold["message"]
    assert "yolo" in model["message"] and "nanodet" in model["message"]
    assert "10000x10000" in bomb["message"] and "50 megapixels" in bomb["message"]


def test_a_body_over_the_limit_is_refused_with_413(make_app, photos):
    client = make_app(max_body_bytes=100_000).test_client()

    response = client.post("/api/v1/detect", data=photos["dog"], content_type="image/jpeg")  # 164 kB

    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "body_too_large" and "0.1 MB" in error["message"]


def test_the_pixel_limit_is_a_setting(make_app, photos):
    client = make_app(max_pixels=400_000).test_client()

    assert client.post("/api/v1/detect", data=upload(photos["dog"])).status_code == 422  # 768x576
    assert client.post("/api/v1/detect", data=upload(photos["person"])).status_code == 200  # 640x424


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        pytest.param(["dog", b"not a photo", "person"], 415, "not_an_image", id="one photo not an image"),
        pytest.param(["dog", "truncated"], 422, "undecodable_image", id="one photo truncated"),
        pytest.param([], 400, "missing_image", id="no photos"),
        pytest.param(["dog"] * 5, 400, "too_many_images", id="over the batch limit"),
    ],
)
def test_a_bad_batch_fails_as_a_whole_naming_the_photo(make_app, photos, files, status, code):
    client = make_app(max_batch_images=4).test_client()
    parts = []
    for file in files:
        data = file if isinstance(file, bytes) else truncated(photos["dog"]) if file == "truncated" else photos[file]
        parts.append((io.BytesIO(data), "photo.jpg", "image/jpeg"))

    data = {"image": parts} if parts else {"other": "x"}
    response = client.post("/api/v1/detect/batch", data=data, content_type="multipart/form-data")

    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code
    if status in (415, 422):
        assert error["message"].startswith(f"photo {len(files) if status == 422 else 2}:")


def test_the_batch_endpoint_needs_a_multipart_upload(client, photos):
    response = client.post("/api/v1/detect/batch", data=photos["dog"], content_type="image/jpeg")

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_get_is_answered_with_405_and_the_allowed_method(client):
    response = client.get("/api/v1/detect")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_uploads_are_never_written_to_temporary_files(client, photos, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise AssertionError("an upload was about to be written to disk")

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    large = encode(Image.open(io.BytesIO(photos["dog"])).resize((1536, 1152)), quality=100)
    assert len(large) > 600_000  # over Werkzeug's 500 kB in-memory threshold

    response = client.post("/api/v1/detect", data=upload(large))

    assert response.status_code == 200
    assert response.get_json()["image"] == {"width": 1536, "height": 1152}
