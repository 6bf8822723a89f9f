"""Inputs that used to reach a 500 over the real server: each is a clear 400 or 403, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import requests

from api_fixtures import ADMIN_KEY
from test_api_storage_faults import small_photo

JSON_ROUTES = [
    ("POST", "/api/v1/evaluations"),
    ("POST", "/api/v1/evaluations/1/promote"),
    ("POST", "/api/v1/images/{image_id}/feedback"),
    ("PUT", "/api/v1/detections/{detection_id}/feedback"),
    ("POST", "/api/v1/images/{image_id}/missed"),
    ("PUT", "/api/v1/images/{image_id}/review"),
    ("POST", "/api/v1/images/{image_id}/predictions"),
    ("PUT", "/api/v1/models/default"),
]
NESTING = 100_000


@pytest.fixture
def stored_server(start_server, samples_dir):
    """A server with one stored photo (and its detections): (server, {"image_id", "detection_id"})."""
    server = start_server()
    photo = small_photo(samples_dir, 3)
    record = requests.post(
        f"{server.url}/api/v1/images?score_threshold=0.05",
        files={"image": ("photo.png", photo, "image/png")},
        timeout=120,
    ).json()
    return server, {"image_id": record["id"], "detection_id": record["predictions"][0]["detections"][0]["id"]}


def test_a_nul_byte_in_a_name_is_refused_with_400(stored_server) -> None:
    server, _ = stored_server
    for query in ("label=%00", "model=%00", "dataset=a%00b", "label=dog%00"):
        answer = requests.get(f"{server.url}/api/v1/images?{query}", timeout=30)
        assert answer.status_code == 400, (query, answer.text)
        assert answer.json()["error"]["code"] == "bad_parameter" and "NUL" in answer.json()["error"]["message"]
    answer = requests.post(
        f"{server.url}/api/v1/evaluations", json={"models": ["nanodet"], "dataset": "x\x00"}, timeout=30
    )
    assert answer.status_code == 400 and "NUL" in answer.json()["error"]["message"], answer.text
    assert requests.get(f"{server.url}/api/v1/images?label=dog", timeout=30).status_code == 200


def test_deeply_nested_json_is_refused_with_400_on_every_json_route(stored_server) -> None:
    server, ids = stored_server
    deep = "[" * NESTING + "]" * NESTING
    for method, route in JSON_ROUTES:
        answer = requests.request(
            method,
            server.url + route.format(**ids),
            data=deep,
            headers={"Content-Type": "application/json", "X-Admin-Key": ADMIN_KEY},
            timeout=60,
        )
        assert answer.status_code == 400, (route, answer.status_code, answer.text[:200])
        assert answer.json()["error"]["code"] == "bad_parameter", route
    assert requests.get(f"{server.url}/readyz", timeout=30).status_code == 200


def test_admin_routes_refuse_a_caller_without_the_key_before_reading_the_body(stored_server) -> None:
    server, ids = stored_server
    for body in ("[" * NESTING, "not json", '{"model": 5}'):
        for method, route in [
            ("POST", "/api/v1/evaluations/1/promote"),
            ("PUT", "/api/v1/models/default"),
            ("DELETE", "/api/v1/images/{image_id}"),
        ]:
            answer = requests.request(
                method,
                server.url + route.format(**ids),
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=60,
            )
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden", (
                route,
                answer.text[:200],
            )
