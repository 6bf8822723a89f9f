"""The Lambda handler driven by API Gateway events: the same answers as the Flask app, and no PyTorch."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

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


NO_TORCH = """
import importlib.abc, json, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("torch", "torchvision", "torchmetrics"):
            raise ImportError(f"{name} is not installed in the serving image")
        return None

sys.meta_path.insert(0, NoTorch())
from sightline.api.lambda_handler import handler

event = json.loads(sys.stdin.read())
first = handler(event, None)
second = handler(event, None)
print(json.dumps({"first": first, "second": second, "modules": sorted(sys.modules)}))
"""


def test_the_handler_serves_without_pytorch(models_dir, tmp_path, photos, client):
    env = {
        **os.environ,
        "SIGHTLINE_DATA_DIR": str(tmp_path),
        "SIGHTLINE_MODELS_DIR": str(models_dir),
        "SIGHTLINE_WEB_DIR": str(tmp_path / "no-web-app"),
    }
    event = http_api_event("POST", "/api/v1/detect", photos["dog"], "image/jpeg")

    completed = subprocess.run(
        [sys.executable, "-c", NO_TORCH],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    output = json.loads(completed.stdout)
    assert not [name for name in output["modules"] if name.split(".")[0] in ("torch", "torchvision")]
    expected = client.post("/api/v1/detect", data=photos["dog"], content_type="image/jpeg").get_json()
    for call in ("first", "second"):  # the second call reuses the app the first one built
        assert output[call]["statusCode"] == 200
        assert json.loads(output[call]["body"])["detections"] == expected["detections"]
