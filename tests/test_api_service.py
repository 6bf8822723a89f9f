"""Health, readiness, metrics, request ids and logs, the docs, and the errors no endpoint owns."""

from __future__ import annotations

import re
import time

import pytest


def detect(client, photo: bytes, query: str = "", headers: dict | None = None):
    return client.post(f"/api/v1/detect{query}", data=photo, content_type="image/jpeg", headers=headers or {})


def metric(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with these labels in a Prometheus exposition."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} {labels} in /metrics")


def wait_ready(client, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while (response := client.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    return response


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_answers_once_the_default_model_is_loaded(make_app):
    response = wait_ready(make_app().test_client())

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "model": "nanodet"}


def test_ready_means_every_path_of_a_request_has_run_once(make_app, tmp_path, photos):
    # As the server runs it (a runtime directory shared by workers): a pass runs on all cores when
    # alone and on one core beside others, and ONNX Runtime's first run of each session is slow.
    app = make_app(runtime_dir=tmp_path / "run")
    (tmp_path / "run").mkdir()
    client = app.test_client()

    assert wait_ready(client).status_code == 200

    service = app.extensions["sightline.detection"]
    assert service.warmed["nanodet"] == ["all cores", "one core"]
    assert service.registry.is_loaded("nanodet") and not service.registry.is_loaded("centernet")
    first = detect(client, photos["dog"])
    assert first.status_code == 200 and first.get_json()["detections"]


def test_without_weights_the_server_is_alive_but_not_ready(make_app, tmp_path, photos):
    client = make_app(models_dir=tmp_path / "empty", models_file=tmp_path / "none.toml").test_client()
    time.sleep(0.5)  # the background load fails at once

    ready = client.get("/readyz")
    detection = detect(client, photos["dog"])

    assert client.get("/healthz").status_code == 200
    assert ready.status_code == 503 and ready.get_json()["error"]["code"] == "not_ready"
    assert detection.status_code == 503
    assert detection.get_json()["error"]["code"] == "model_unavailable"
    assert str(tmp_path) not in detection.get_json()["error"]["message"]  # server paths stay in the log


def test_metrics_count_requests_by_route_model_and_status(make_app, photos):
    client = make_app().test_client()
    detect(client, photos["dog"])
    detect(client, photos["dog"], "?model=centernet")
    detect(client, photos["dog"], "?score_threshold=2")

    text = client.get("/metrics").get_data(as_text=True)

    route = "/api/v1/detect"
    assert metric(text, "sightline_http_requests_total", route=route, model="nanodet", status="200") == 1
    assert metric(text, "sightline_http_requests_total", route=route, model="centernet", status="200") == 1
    assert metric(text, "sightline_http_request_duration_seconds_count", route=route, status="400") == 1
    assert metric(text, "sightline_http_errors_total", route=route, status="400", code="bad_parameter") == 1
    assert metric(text, "sightline_inference_duration_seconds_count", model="nanodet") >= 1
    assert metric(text, "sightline_inference_duration_seconds_count", model="centernet") >= 1


def test_a_request_id_is_echoed_or_made(client):
    chosen = client.get("/healthz", headers={"X-Request-ID": "upload-42.a"})
    made = client.get("/healthz")
    refused = client.get("/healthz", headers={"X-Request-ID": "two words\tand a tab"})

    assert chosen.headers["X-Request-ID"] == "upload-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-ID"])


def test_each_request_leaves_one_structured_line_in_the_log_file(make_app, photos, api_settings, tmp_path):
    client = make_app().test_client()
    response = detect(client, photos["dog"], headers={"X-Request-ID": "log-check-1"})
    found = len(response.get_json()["detections"])

    lines = [line for line in (tmp_path / "log" / "sightline.log").read_text().splitlines() if "log-check-1" in line]

    assert len(lines) == 1
    line = lines[0]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO ", line)
    for field in (
        "method=POST",
        "path=/api/v1/detect",
        "status=200",
        "model=nanodet",
        f"detections={found}",
        "client=127.0.0.1",
    ):
        assert field in line.split()
    assert re.search(r"duration_ms=\d+\.\d", line)


def test_an_unexpected_failure_is_a_500_with_a_generic_message_and_a_logged_traceback(
    make_app, photos, tmp_path, monkeypatch
):
    app = make_app()
    client = app.test_client()
    service = app.extensions["sightline.detection"]
    monkeypatch.setattr(service, "detect", lambda *args: 1 / 0)

    failed = detect(client, photos["dog"], headers={"X-Request-ID": "boom-1"})
    monkeypatch.undo()
    after = detect(client, photos["dog"])

    assert failed.status_code == 500
    error = failed.get_json()["error"]
    assert error["code"] == "internal_error" and "division" not in error["message"]
    log = (tmp_path / "log" / "sightline.log").read_text()
    assert "boom-1" in log and "Traceback" in log and "ZeroDivisionError" in log
    assert after.status_code == 200  # the server keeps serving


def test_an_unknown_path_is_a_json_404(client):
    response = client.get("/api/v1/photos/7")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_api_from_its_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    assert spec["openapi"].startswith("3.")
    detect_op = spec["paths"]["/api/v1/detect"]["post"]
    assert {"multipart/form-data", "image/jpeg", "image/png"} <= set(detect_op["requestBody"]["content"])
    threshold = next(p for p in detect_op["parameters"] if p["name"] == "score_threshold")
    # No fixed default: a model promoted with its operating point brings its own threshold, else 0.3.
    assert threshold["schema"] == {"type": "number", "minimum": 0.0, "maximum": 1.0}
    assert "0.3" in threshold["description"]
    assert "GET" in spec["info"]["description"]  # why uploads are POST
    assert {
        "/api/v1/detect/batch",
        "/api/v1/models",
        "/api/v1/models/default",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= set(spec["paths"])
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["error"]["$ref"].endswith("ErrorBodyOut")


def test_the_docs_page_works_offline(client):
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    scripts = re.findall(r'src="([^"]+)"', html)

    assert page.status_code == 200
    assert "/api/v1/openapi.json" in html
    assert scripts and all(src.startswith("/api/v1/docs/assets/") for src in scripts)
    for src in scripts:
        asset = client.get(src)
        assert asset.status_code == 200 and len(asset.data) > 10_000


@pytest.mark.parametrize("built", [True, False], ids=["web app built", "no web app yet"])
def test_the_root_serves_the_web_app_or_points_at_the_docs(make_app, tmp_path, built):
    web_dir = tmp_path / "dist"
    if built:
        (web_dir / "assets").mkdir(parents=True)
        (web_dir / "index.html").write_text("<html><body>Sightline</body></html>")
        (web_dir / "assets" / "app.js").write_text("console.log('hi')")
    client = make_app(web_dir=web_dir).test_client()

    root = client.get("/")

    if built:
        assert root.status_code == 200 and b"Sightline" in root.data
        assert client.get("/assets/app.js").data == b"console.log('hi')"
    else:
        assert root.status_code == 302 and root.headers["Location"].endswith("/api/v1/docs")
