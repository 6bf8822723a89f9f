"""The Lambda handler driven by API Gateway events: the same answers as the Flask app, and no PyTorch
(the image's dependency set installed for real in a fresh virtual environment)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BOUNDARY = "sightline-test-boundary"


def multipart(photo: bytes, kind: str = "image/jpeg") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\n'
        f"Content-Type: {kind}\r\n\r\n".encode()
        + photo
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def http_api_event(method: str, path: str, body: bytes = b"", content_type: str = "", query: str = "") -> dict:
    """API Gateway HTTP API, payload format 2.0: a binary body arrives base64 with isBase64Encoded."""
    headers = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8.5.0"}
    if content_type:
        headers["content-type"] = content_type
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
            "requestId": "JKJaXmPLvHcESHA=",
            "stage": "$default",
            "timeEpoch": 1764075600000,
        },
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }


def rest_api_event(method: str, path: str, body: bytes = b"", content_type: str = "", query: str = "") -> dict:
    """API Gateway REST API, payload format 1.0, with the binary media types set so the body comes base64."""
    headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com", "User-Agent": "curl/8.5.0"}
    if content_type:
        headers["Content-Type"] = content_type
    params = dict(part.split("=", 1) for part in query.split("&")) if query else None
    return {
        "version": "1.0",
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": params,
        "multiValueQueryStringParameters": {name: [value] for name, value in params.items()} if params else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "httpMethod": method,
            "identity": {"sourceIp": "192.0.2.1"},
            "path": f"/prod{path}",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "stage": "prod",
        },
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }


EVENTS = [pytest.param(http_api_event, id="HTTP API v2"), pytest.param(rest_api_event, id="REST API v1")]


@pytest.fixture(scope="module")
def lambda_handler(api_settings):
    from sightline.api.lambda_handler import build_handler

    return build_handler(api_settings)


def header(response: dict, name: str) -> str:
    """A response header, whichever form and case apig-wsgi used for this payload version."""
    if "multiValueHeaders" in response:
        values = {key.lower(): value[-1] for key, value in response["multiValueHeaders"].items()}
    else:
        values = {key.lower(): value for key, value in response["headers"].items()}
    return values[name.lower()]


def json_body(response: dict) -> dict:
    assert response["isBase64Encoded"] is False
    assert header(response, "Content-Type") == "application/json"
    return json.loads(response["body"])


@pytest.mark.parametrize("make_event", EVENTS)
@pytest.mark.parametrize("form", ["raw body", "multipart"])
def test_a_photo_gets_the_detections_the_flask_app_gives(lambda_handler, client, photos, make_event, form):
    if form == "raw body":
        event = make_event("POST", "/api/v1/detect", photos["dog"], "image/jpeg")
    else:
        event = make_event(
            "POST", "/api/v1/detect", multipart(photos["dog"]), f"multipart/form-data; boundary={BOUNDARY}"
        )

    response = lambda_handler(event, None)

    assert response["statusCode"] == 200
    result = json_body(response)
    expected = client.post("/api/v1/detect", data=photos["dog"], content_type="image/jpeg").get_json()
    assert result["image"] == {"width": 768, "height": 576}
    assert result["model"] == expected["model"]
    assert result["detections"] == expected["detections"]
    assert "dog" in [item["label"] for item in result["detections"]]


@pytest.mark.parametrize("make_event", EVENTS)
def test_query_parameters_reach_the_app(lambda_handler, photos, make_event):
    event = make_event("POST", "/api/v1/detect", photos["dog"], "image/jpeg", query="classes=dog&model=centernet")

    result = json_body(lambda_handler(event, None))

    assert result["model"]["name"] == "centernet"
    assert {item["label"] for item in result["detections"]} == {"dog"}


@pytest.mark.parametrize("make_event", EVENTS)
@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        pytest.param(b"not a photo at all", "image/jpeg", 415, "not_an_image", id="bytes that are no image"),
        pytest.param(b"hello", "text/plain", 415, "unsupported_media_type", id="text body"),
        pytest.param("truncated", "image/jpeg", 422, "undecodable_image", id="truncated jpeg"),
    ],
)
def test_bad_input_gets_the_one_error_body(lambda_handler, photos, make_event, body, content_type, status, code):
    if body == "truncated":
        body = photos["dog"][: len(photos["dog"]) // 3]

    response = lambda_handler(make_event("POST", "/api/v1/detect", body, content_type), None)

    assert response["statusCode"] == status
    error = json_body(response)["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == header(response, "X-Request-ID")


@pytest.mark.parametrize("make_event", EVENTS)
def test_health_answers(lambda_handler, make_event):
    response = lambda_handler(make_event("GET", "/healthz"), None)

    assert response["statusCode"] == 200
    assert json_body(response) == {"status": "ok"}


@pytest.mark.parametrize("make_event", EVENTS)
def test_an_unknown_route_is_a_json_404(lambda_handler, make_event):
    response = lambda_handler(make_event("GET", "/api/v1/nothing-here"), None)

    assert response["statusCode"] == 404
    assert json_body(response)["error"]["code"] == "not_found"


REPO = Path(__file__).resolve().parent.parent

CALL_THE_HANDLER = """
import json, sys
from importlib import metadata

from sightline.api.lambda_handler import handler

event = json.loads(sys.stdin.read())
first = handler(event, None)
second = handler(event, None)
installed = sorted(distribution.metadata["Name"].lower() for distribution in metadata.distributions())
print(json.dumps({"first": first, "second": second, "installed": installed}))
"""


@pytest.fixture(scope="module")
def serving_image_python(tmp_path_factory) -> Path:
    """A fresh virtual environment with what the Lambda image installs: deploy/aws/requirements.txt, then
    the package with --no-deps from the same files the Dockerfile copies."""
    folder = tmp_path_factory.mktemp("serving-image")
    source = folder / "sightline"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REPO / "deploy" / "aws" / "requirements.txt")], check=True, timeout=900)
    subprocess.run([*pip, "--no-deps", str(source)], check=True, timeout=300)
    return venv / "bin" / "python"


def test_the_image_dependency_set_installs_and_serves_without_pytorch_or_a_gpu(
    serving_image_python, models_dir, tmp_path, photos, client
):
    env = {
        **os.environ,
        "SIGHTLINE_DATA_DIR": str(tmp_path),
        "SIGHTLINE_MODELS_DIR": str(models_dir),
        "SIGHTLINE_WEB_DIR": str(tmp_path / "no-web-app"),
        "CUDA_VISIBLE_DEVICES": "",
    }
    event = http_api_event("POST", "/api/v1/detect", photos["dog"], "image/jpeg")

    completed = subprocess.run(
        [str(serving_image_python), "-c", CALL_THE_HANDLER],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # not the repository, whose src/ must not be what gets imported
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    output = json.loads(completed.stdout)
    heavy = {"torch", "torchvision", "torchmetrics", "onnx", "onnxruntime-gpu"}
    assert not heavy & set(output["installed"]) and not [name for name in output["installed"] if "nvidia" in name]
    assert "onnxruntime" in output["installed"] and "sightline" in output["installed"]
    expected = client.post("/api/v1/detect", data=photos["dog"], content_type="image/jpeg").get_json()
    for call in ("first", "second"):  # the second call reuses the app the first one built
        assert output[call]["statusCode"] == 200
        assert json.loads(output[call]["body"])["detections"] == expected["detections"]
