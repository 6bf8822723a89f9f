"""What the real server (gunicorn) refuses or bounds: slow clients, chunked bodies, requests gunicorn
itself cannot parse, repeated parameters, oversized forms; and the headers every answer carries."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from PIL import Image

from api_server import ApiServer
from test_api_server import error_of

REPO = Path(__file__).resolve().parents[1]
METRICS_KEY = "test-metrics-key"
HEADER_TIMEOUT_S = 2
BODY_TIMEOUT_S = 4


@pytest.fixture(scope="module")
def limited(models_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("limited")
    env = {
        "SIGHTLINE_DATA_DIR": str(folder),
        "SIGHTLINE_MODELS_DIR": str(models_dir),
        "SIGHTLINE_LOG_FILE": str(folder / "sightline.log"),
        "SIGHTLINE_WEB_DIR": str(REPO / "web" / "dist"),
        "SIGHTLINE_WORKERS": "2",
        "SIGHTLINE_MAX_BODY_BYTES": "2000000",
        "SIGHTLINE_HEADER_TIMEOUT": str(HEADER_TIMEOUT_S),
        "SIGHTLINE_BODY_TIMEOUT": str(BODY_TIMEOUT_S),
        "SIGHTLINE_METRICS_KEY": METRICS_KEY,
    }
    with ApiServer(env, folder / "server.out") as running:
        yield running


def raw_exchange(server: ApiServer, request: bytes, timeout: float = 20.0) -> tuple[int, dict, bytes, float]:
    """Send bytes as they are; (status, headers, body, seconds until the answer was complete)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as connection:
        # The server may answer and close before taking everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(request)
        received = b""
        while True:
            try:
                data = connection.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body, time.monotonic() - started


def json_error_of(headers: dict, body: bytes) -> dict:
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "request_id"}
    assert error["request_id"] == headers["X-Request-ID"]
    return error


GET = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "status", "words"),
    [
        pytest.param(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "line", id="long request line"),
        pytest.param(GET + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "header", id="big header"),
        pytest.param(GET + b"".join(b"X-H%d: v\r\n" % n for n in range(120)) + b"\r\n", 431, "header", id="many"),
        pytest.param(
            b"POST /api/v1/detect HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "content-length", id="cl"
        ),
        pytest.param(GET + b"X-A: one\r\n two\r\n\r\n", 400, "fold", id="obs-fold"),
        pytest.param(b"GET /\xff\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", id="raw bytes in path"),
    ],
)
def test_requests_gunicorn_cannot_parse_get_the_json_error_body(limited, request_bytes, status, words):
    answered, headers, body, _ = raw_exchange(limited, request_bytes)

    assert answered == status
    error = json_error_of(headers, body)
    assert words in error["message"].lower()


def test_a_form_with_too_many_fields_is_told_so_not_that_it_is_too_large(limited, photos):
    fields = {f"field{n}": "x" * 100 for n in range(1500)}
    response = requests.post(
        f"{limited.url}/api/v1/detect",
        data=fields,
        files={"image": ("dog.jpg", photos["dog"][:50_000], "image/jpeg")},
        timeout=60,
    )

    assert response.status_code == 413
    message = error_of(response)["message"]
    assert "too many fields" in message and "1000" in message
    assert "larger than the limit" not in message


@pytest.mark.parametrize(
    ("query", "form", "repeated"),
    [
        pytest.param("?model=nanodet&model=centernet", {}, "model", id="query"),
        pytest.param("?score_threshold=0.5", {"score_threshold": "0.05"}, "score_threshold", id="query and form"),
        pytest.param("", {"classes": ["dog", "cat"]}, "classes", id="form"),
    ],
)
def test_a_repeated_parameter_is_refused_by_name(limited, photos, query, form, repeated):
    response = requests.post(
        f"{limited.url}/api/v1/detect{query}",
        data=form,
        files={"image": ("dog.jpg", photos["dog"], "image/jpeg")},
        timeout=60,
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "repeated_parameter"
    assert repr(repeated) in error["message"]


def chunked(body: bytes, size: int = 65536) -> bytes:
    pieces = [b"%x\r\n%s\r\n" % (len(body[at : at + size]), body[at : at + size]) for at in range(0, len(body), size)]
    return b"".join(pieces) + b"0\r\n\r\n"


def chunked_upload(body: bytes, query: str = "?store=true") -> bytes:
    head = (
        f"POST /api/v1/detect{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    return head.encode() + body


def stored_count(server: ApiServer) -> int:
    return requests.get(f"{server.url}/api/v1/images", timeout=10).json()["total"]


def test_an_over_limit_chunked_body_is_refused_and_nothing_is_stored(limited, photos):
    before = stored_count(limited)
    over_limit = photos["dog"] + b"\0" * 2_100_000

    status, headers, body, _ = raw_exchange(limited, chunked_upload(chunked(over_limit)))

    assert status == 413
    assert "larger than the limit of 2 MB" in json_error_of(headers, body)["message"]
    assert stored_count(limited) == before


def test_a_chunked_photo_within_the_limit_is_detected_and_stored_whole(limited, photos):
    status, _, body, _ = raw_exchange(limited, chunked_upload(chunked(photos["dog"], size=7000)))

    assert status == 200
    stored = json.loads(body)["stored"]
    file = requests.get(f"{limited.url}/api/v1/images/{stored['image_id']}/file", timeout=10)
    assert file.content == photos["dog"]


def responses_of(received: bytes) -> list[tuple[int, dict]]:
    """Consecutive HTTP responses with Content-Length bodies -> (status, JSON body) each."""
    answers = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines[1:])}
        length = int(headers["content-length"])
        answers.append((int(lines[0].split()[1]), json.loads(rest[:length])))
        received = rest[length:]
    return answers


def test_photos_sent_back_to_back_on_one_connection_each_get_their_own_answer_and_are_stored_whole(limited, photos):
    # A 12 MP phone photo as the raw body, then a multipart upload and a plain GET, all sent before the
    # first answer: the server reads each whole request ahead and serves the next from what is left.
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photos["dog"])).resize((4032, 3024), Image.Resampling.BICUBIC).save(
        buffer, "JPEG", quality=90
    )
    phone = buffer.getvalue()
    assert 1_000_000 < len(phone) < 2_000_000  # within the server's body limit
    raw = (
        f"POST /api/v1/detect?store=true HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
        f"Content-Length: {len(phone)}\r\n\r\n"
    ).encode() + phone
    form = (
        b"--b\r\nContent-Disposition: form-data; name=image; filename=person.jpg\r\nContent-Type: image/jpeg\r\n\r\n"
        + photos["person"]
        + b"\r\n--b\r\nContent-Disposition: form-data; name=score_threshold\r\n\r\n0.05\r\n--b--\r\n"
    )
    multipart = (
        f"POST /api/v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {len(form)}\r\n\r\n"
    ).encode() + form
    closing = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    with socket.create_connection(("127.0.0.1", limited.port), timeout=60) as connection:
        connection.sendall(raw + multipart + closing)
        received = b""
        while data := connection.recv(65536):
            received += data

    (phone_status, phone_result), (form_status, form_result), (health_status, _) = responses_of(received)
    assert (phone_status, form_status, health_status) == (200, 200, 200)
    assert phone_result["image"] == {"width": 4032, "height": 3024}
    assert any(found["label"] == "dog" for found in phone_result["detections"])
    person = Image.open(io.BytesIO(photos["person"]))
    assert form_result["image"] == {"width": person.width, "height": person.height}
    assert any(found["label"] == "person" for found in form_result["detections"])
    stored = requests.get(f"{limited.url}/api/v1/images/{phone_result['stored']['image_id']}/file", timeout=10)
    assert stored.content == phone


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"zz\r\nabc\r\n0\r\n\r\n", id="not hex"),
        pytest.param(b"3\r\nabcdef\r\n0\r\n\r\n", id="chunk longer than its size"),
    ],
)
def test_a_malformed_chunked_body_is_a_bad_request(limited, body):
    status, headers, answer, _ = raw_exchange(limited, chunked_upload(body))

    assert status == 400
    assert "chunk" in json_error_of(headers, answer)["message"]


def trickle(connection: socket.socket, data: bytes, stop: threading.Event, interval: float = 0.5) -> None:
    for byte in data:
        if stop.wait(interval):
            return
        try:
            connection.send(bytes([byte]))
        except OSError:
            return


@pytest.mark.parametrize(
    ("sent_first", "trickled", "deadline", "words"),
    [
        pytest.param(b"GET /healthz HTTP/1.1\r\n", b"X-Slow: " + b"s" * 100, HEADER_TIMEOUT_S, "headers", id="headers"),
        pytest.param(
            b"POST /api/v1/detect HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n",
            b"b" * 100,
            BODY_TIMEOUT_S,
            "body",
            id="body",
        ),
    ],
)
def test_a_client_that_sends_too_slowly_gets_408_and_is_disconnected(limited, sent_first, trickled, deadline, words):
    stop = threading.Event()
    with socket.create_connection(("127.0.0.1", limited.port), timeout=30) as connection:
        started = time.monotonic()
        connection.sendall(sent_first)
        sender = threading.Thread(target=trickle, args=(connection, trickled, stop), daemon=True)
        sender.start()
        received = b""
        while data := connection.recv(65536):
            received += data
        waited = time.monotonic() - started
        stop.set()
        sender.join()

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
    assert words in json_error_of(headers, body)["message"]
    assert deadline <= waited < deadline + 3


def test_normal_clients_are_served_while_64_slow_clients_are_connected(limited, photos):
    stop = threading.Event()
    connections, senders = [], []
    slow_requests = [
        b"POST /api/v1/detect HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ",
    ]
    try:
        for number in range(64):
            connection = socket.create_connection(("127.0.0.1", limited.port), timeout=30)
            connection.sendall(slow_requests[number % 2])
            connections.append(connection)
            sender = threading.Thread(target=trickle, args=(connection, b"x" * 1000, stop, 0.2), daemon=True)
            sender.start()
            senders.append(sender)
        time.sleep(1.0)

        def probe(number: int) -> int:
            if number % 2:
                return requests.get(f"{limited.url}/healthz", timeout=5).status_code
            files = {"image": ("dog.jpg", photos["dog"], "image/jpeg")}
            return requests.post(f"{limited.url}/api/v1/detect", files=files, timeout=10).status_code

        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(probe, range(16)))
    finally:
        stop.set()
        for sender in senders:
            sender.join()
        for connection in connections:
            connection.close()

    assert statuses == [200] * 16


def test_every_answer_carries_the_browser_protection_headers(limited):
    page = requests.get(f"{limited.url}/", timeout=10)
    api = requests.get(f"{limited.url}/api/v1/models", timeout=10)
    docs = requests.get(f"{limited.url}/api/v1/docs", timeout=10)

    for response in (page, api, docs):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert "'sha256-" in docs.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in docs.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(None, 401), ("Bearer wrong", 401), (METRICS_KEY, 401), (f"Bearer {METRICS_KEY}", 200)],
)
def test_metrics_are_read_only_with_the_metrics_key(limited, authorization, status):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.get(f"{limited.url}/metrics", headers=headers, timeout=10)

    assert response.status_code == status
    if status == 200:
        assert "sightline_requests_total" in response.text or "# HELP" in response.text
    else:
        assert error_of(response)["code"] == "unauthorized"
