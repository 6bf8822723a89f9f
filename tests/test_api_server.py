"""The real server: `sightline serve` (gunicorn) on a loopback port, talked to over HTTP.

The tests share one server; the worker-crash test runs last because it kills a worker.
"""

from __future__ import annotations

import http.client
import io
import os
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image, ImageOps

from api_fixtures import ADMIN_KEY, encode
from test_api_detect import assert_same_detections, engine_result, exif_rotated, png_bomb, truncated


def post_photo(server, photo: bytes, query: str = "", **kwargs) -> requests.Response:
    files = {"image": ("photo.jpg", photo, "image/jpeg")}
    return requests.post(f"{server.url}/api/v1/detect{query}", files=files, timeout=60, **kwargs)


def error_of(response: requests.Response) -> dict:
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["request_id"] == response.headers["X-Request-ID"]
    return body["error"]


def test_a_real_photo_gets_the_engines_detections(server, photos, registry):
    response = post_photo(server, photos["dog"])

    assert response.status_code == 200
    result = response.json()
    assert result["image"] == {"width": 768, "height": 576}
    assert_same_detections(result["detections"], engine_result(registry, photos["dog"]))
    assert {"dog", "bicycle"} <= {item["label"] for item in result["detections"]}


def test_an_exif_rotated_photo_gets_boxes_on_the_right_objects(server, photos, registry):
    result = post_photo(server, exif_rotated(photos["person"])).json()

    assert result["image"] == {"width": 640, "height": 424}
    found = {item["label"]: item["box"] for item in reversed(result["detections"])}
    for wanted in engine_result(registry, photos["person"])[:3]:
        for corner in ("x1", "y1", "x2", "y2"):
            assert found[wanted["label"]][corner] == pytest.approx(wanted["box"][corner], abs=12)


def test_a_sideways_tiff_gets_the_boxes_of_its_upright_picture(server, photos, registry):
    # Stored turned a quarter left with the TIFF orientation (6) that turns it upright, as scanners write it.
    upright = Image.open(io.BytesIO(photos["dog"])).convert("RGB")
    sideways = encode(
        upright.transpose(Image.Transpose.ROTATE_90), "TIFF", compression="tiff_lzw", tiffinfo={0x0112: 6}
    )
    files = {"image": ("dog.tif", sideways, "image/tiff")}

    response = requests.post(f"{server.url}/api/v1/detect?store=true", files=files, timeout=60)

    assert response.status_code == 200
    result = response.json()
    assert result["image"] == {"width": 768, "height": 576}
    assert_same_detections(result["detections"], engine_result(registry, encode(upright, "PNG")))
    stored = requests.get(f"{server.url}/api/v1/images/{result['stored']['image_id']}", timeout=30).json()
    assert (stored["width"], stored["height"]) == (768, 576)
    kept = requests.get(f"{server.url}{stored['file_url']}", timeout=30)
    assert kept.content == sideways


def test_the_raw_body_form_and_the_batch_form_work_over_http(server, photos):
    raw = requests.post(
        f"{server.url}/api/v1/detect?classes=dog",
        data=photos["dog"],
        headers={"Content-Type": "image/jpeg"},
        timeout=60,
    )
    batch = requests.post(
        f"{server.url}/api/v1/detect/batch",
        files=[("image", (f"{name}.jpg", photos[name], "image/jpeg")) for name in ("horses", "dog")],
        timeout=60,
    )

    assert [item["label"] for item in raw.json()["detections"]] == ["dog"]
    assert [result["image"]["width"] for result in batch.json()["results"]] == [773, 768]


@pytest.mark.parametrize(
    ("request_kind", "status", "code"),
    [
        pytest.param("unknown model", 400, "unknown_model"),
        pytest.param("threshold outside 0..1", 400, "bad_parameter"),
        pytest.param("unknown class", 400, "unknown_class"),
        pytest.param("body over the limit", 413, "body_too_large"),
        pytest.param("not an image type", 415, "unsupported_media_type"),
        pytest.param("not an image", 415, "not_an_image"),
        pytest.param("truncated image", 422, "undecodable_image"),
        pytest.param("over the pixel limit", 422, "image_too_large"),
        pytest.param("unknown path", 404, "not_found"),
        pytest.param("wrong method", 405, "method_not_allowed"),
    ],
)
def test_every_error_has_its_status_and_the_one_body_over_http(server, photos, request_kind, status, code):
    url = f"{server.url}/api/v1/detect"
    send = {
        "unknown model": lambda: post_photo(server, photos["dog"], "?model=yolo"),
        "threshold outside 0..1": lambda: post_photo(server, photos["dog"], "?iou_threshold=7"),
        "unknown class": lambda: post_photo(server, photos["dog"], "?classes=unicorn"),
        # The server under test allows 2 MB bodies.
        "body over the limit": lambda: requests.post(
            url, data=os.urandom(3_000_000), headers={"Content-Type": "image/jpeg"}, timeout=60
        ),
        "not an image type": lambda: requests.post(url, json={"image": "dog.jpg"}, timeout=60),
        "not an image": lambda: post_photo(server, b"GIF89a but not really" * 10),
        "truncated image": lambda: post_photo(server, truncated(photos["dog"])),
        # The server under test allows 4 megapixels; this decodes to 100.
        "over the pixel limit": lambda: requests.post(
            url, files={"image": ("bomb.png", png_bomb(), "image/png")}, timeout=60
        ),
        "unknown path": lambda: requests.get(f"{server.url}/api/v2/detect", timeout=60),
        "wrong method": lambda: requests.delete(url, timeout=60),
    }[request_kind]

    response = send()

    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "query, content_type, status",
    [("?score_threshold=7", "image/jpeg", 400), ("?model=nope", "image/jpeg", 400), ("", "text/plain", 415)],
)
def test_a_refused_upload_leaves_the_keep_alive_connection_usable(server, photos, query, content_type, status):
    # The photo is far over the 64 KB of unread body gunicorn would drain by itself.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("POST", f"/api/v1/detect{query}", body=photos["dog"], headers={"Content-Type": content_type})
        refused = connection.getresponse()
        refused.read()
        connection.request("POST", "/api/v1/detect", body=photos["dog"], headers={"Content-Type": "image/jpeg"})
        answered = connection.getresponse()
        answered.read()
    finally:
        connection.close()

    assert len(photos["dog"]) > 128_000
    assert refused.status == status and refused.getheader("Connection") == "keep-alive"
    assert answered.status == 200


def test_a_decompression_bomb_costs_the_server_no_memory(server):
    before = server.memory_bytes()
    for _ in range(4):
        response = requests.post(
            f"{server.url}/api/v1/detect", files={"image": ("bomb.png", png_bomb(), "image/png")}, timeout=60
        )
        assert response.status_code == 422
    assert server.memory_bytes() - before < 50_000_000  # decoded, it would be 300 MB of RGB


def distinct_photos(photos: dict[str, bytes]) -> list[bytes]:
    """16 different photos: the samples, and the samples mirrored."""
    originals = [photos[name] for name in sorted(photos)]
    mirrored = [encode(ImageOps.mirror(Image.open(io.BytesIO(photo))), quality=92) for photo in originals]
    return (originals + mirrored + originals)[:16]


def test_sixteen_concurrent_clients_each_get_their_own_correct_result(server, photos, registry):
    sent = distinct_photos(photos)
    expected = [engine_result(registry, photo) for photo in sent]
    sizes = [Image.open(io.BytesIO(photo)).size for photo in sent]

    def client(index: int) -> requests.Response:
        with requests.Session() as session:
            files = {"image": (f"{index}.jpg", sent[index], "image/jpeg")}
            return session.post(
                f"{server.url}/api/v1/detect", files=files, headers={"X-Request-ID": f"client-{index}"}, timeout=120
            )

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(client, range(16)))

    for index, response in enumerate(responses):
        assert response.status_code == 200
        assert response.headers["X-Request-ID"] == f"client-{index}"
        result = response.json()
        assert (result["image"]["width"], result["image"]["height"]) == sizes[index]
        assert_same_detections(result["detections"], expected[index])


def test_requests_are_logged_to_the_file_and_counted_in_metrics(server, photos):
    response = post_photo(server, photos["horses"], headers={"X-Request-ID": "server-log-1"})
    found = len(response.json()["detections"])

    log = (server.output.parent / "sightline.log").read_text()
    metrics = requests.get(f"{server.url}/metrics", timeout=10).text

    line = next(line for line in log.splitlines() if "request_id=server-log-1" in line)
    assert "status=200" in line and f"detections={found}" in line and "model=nanodet" in line
    assert 'sightline_http_requests_total{method="POST",model="nanodet",route="/api/v1/detect",status="200"}' in metrics
    assert "sightline_inference_duration_seconds_count" in metrics


def test_the_admin_switches_the_default_model_of_the_running_server(server, photos):
    switch = f"{server.url}/api/v1/models/default"
    try:
        changed = requests.put(switch, json={"model": "centernet"}, headers={"X-Admin-Key": ADMIN_KEY}, timeout=10)
        assert changed.status_code == 200
        assert post_photo(server, photos["dog"]).json()["model"]["name"] == "centernet"
    finally:
        requests.put(switch, json={"model": "nanodet"}, headers={"X-Admin-Key": ADMIN_KEY}, timeout=10)
    assert post_photo(server, photos["dog"]).json()["model"]["name"] == "nanodet"


def test_a_server_fault_is_a_500_with_a_generic_message_and_the_server_keeps_serving(server, photos):
    # A real fault, not a test hook: the store's staging folder turns into a file under the server.
    staging = server.output.parent / "images" / "staging"
    shutil.rmtree(staging)
    staging.write_bytes(b"")
    try:
        failed = post_photo(server, photos["dog"], "?store=true", headers={"X-Request-ID": "fault-1"})
        meanwhile = post_photo(server, photos["dog"])
    finally:
        staging.unlink()
        staging.mkdir()
    stored = post_photo(server, photos["dog"], "?store=true")

    assert failed.status_code == 500
    error = error_of(failed)
    assert error["code"] == "internal_error" and "staging" not in error["message"]
    log = (server.output.parent / "sightline.log").read_text()
    assert "fault-1" in log and "Traceback" in log and "NotADirectoryError" in log
    assert meanwhile.status_code == 200 and stored.status_code == 200
    kept = requests.get(f"{server.url}/api/v1/images/{stored.json()['stored']['image_id']}/file", timeout=10)
    assert kept.content == photos["dog"]


def test_a_worker_crash_does_not_take_the_service_down(server, photos):
    workers = server.workers()
    assert len(workers) == 2

    os.kill(workers[0].pid, signal.SIGKILL)
    during = [post_photo(server, photos["dog"]) for _ in range(3)]  # the other worker answers
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and workers[0].pid in [worker.pid for worker in server.workers()]:
        time.sleep(0.1)
    while time.monotonic() < deadline and len(server.workers()) < 2:
        time.sleep(0.1)
    replacement = next(worker for worker in server.workers() if worker.pid != workers[1].pid)

    assert server.process.poll() is None  # the master lives on
    assert [response.status_code for response in during] == [200, 200, 200]
    assert replacement.pid != workers[0].pid
    assert "SIGKILL" in (server.output.parent / "sightline.log").read_text()
    for _ in range(4):  # and the service goes on as before
        assert post_photo(server, photos["dog"]).status_code == 200
