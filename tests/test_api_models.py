"""GET /api/v1/models, the admin's default-model switch, lazy loading, API keys and CORS."""

from __future__ import annotations

import io
import threading
import time

import pytest

ADMIN = {"X-Admin-Key": "the-admin-key"}


def error_code(response) -> str:
    body = response.get_json()
    assert body["error"]["request_id"] == response.headers["X-Request-ID"]
    return body["error"]["code"]


def detect(client, photo: bytes, query: str = "", headers: dict | None = None):
    return client.post(f"/api/v1/detect{query}", data=photo, content_type="image/jpeg", headers=headers or {})


def test_models_lists_every_model_with_its_facts(client):
    response = client.get("/api/v1/models")

    assert response.status_code == 200
    page = response.get_json()
    models = {item["name"]: item for item in page["items"]}
    assert page["total"] == len(page["items"]) >= 2
    nanodet = models["nanodet"]
    assert nanodet["default"] is True and models["centernet"]["default"] is False
    assert nanodet["input_size"] == [416, 416]
    assert len(nanodet["classes"]) == 80 and nanodet["classes"][16] == "dog"
    assert "Apache-2.0" in nanodet["license"]
    assert isinstance(nanodet["loaded"], bool)


def test_one_model_by_name_and_404_for_an_unknown_one(client):
    assert client.get("/api/v1/models/centernet").get_json()["architecture"] == "centernet-mobilenetv3"
    missing = client.get("/api/v1/models/yolo")
    assert missing.status_code == 404
    assert error_code(missing) == "unknown_model"


def test_models_load_lazily_once_used(make_app, photos):
    client = make_app().test_client()
    assert client.get("/api/v1/models/centernet").get_json()["loaded"] is False

    assert detect(client, photos["dog"], "?model=centernet").status_code == 200

    assert client.get("/api/v1/models/centernet").get_json()["loaded"] is True


def test_a_slow_loading_model_does_not_hold_up_another_models_requests(make_app, photos, monkeypatch):
    from sightline.detection import registry

    release = threading.Event()
    real_build = registry.build_detector

    def slow_build(spec, *args, **kwargs):
        if spec.name == "centernet":
            release.wait(30)
        return real_build(spec, *args, **kwargs)

    monkeypatch.setattr(registry, "build_detector", slow_build)
    app = make_app()
    slow = {}
    waiting = threading.Thread(
        target=lambda: slow.update(r=detect(app.test_client(), photos["dog"], "?model=centernet"))
    )
    waiting.start()
    try:
        started = time.monotonic()
        response = detect(app.test_client(), photos["dog"])  # the default model, nanodet
        assert response.status_code == 200
        assert time.monotonic() - started < 20
        assert "r" not in slow  # centernet is still loading
    finally:
        release.set()
        waiting.join(30)
    assert slow["r"].get_json()["model"]["name"] == "centernet"


def test_the_admin_changes_the_default_model_without_a_restart(make_app, photos, tmp_path):
    own_database = {"database_url": f"sqlite:///{tmp_path / 'own.db'}", "images_dir": tmp_path / "images"}
    client = make_app(admin_key=ADMIN["X-Admin-Key"], **own_database).test_client()

    response = client.put("/api/v1/models/default", json={"model": "centernet"}, headers=ADMIN)

    assert response.status_code == 200
    assert response.get_json()["name"] == "centernet" and response.get_json()["default"] is True
    assert client.get("/api/v1/models/default").get_json()["name"] == "centernet"
    assert detect(client, photos["dog"]).get_json()["model"]["name"] == "centernet"
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get("/readyz").get_json() == {"status": "ready", "model": "centernet"}
    restarted = make_app(**own_database).test_client()
    assert restarted.get("/api/v1/models/default").get_json()["name"] == "centernet"


@pytest.mark.parametrize(
    ("admin_key", "headers", "body", "status", "code"),
    [
        pytest.param("", ADMIN, {"model": "centernet"}, 403, "admin_disabled", id="no admin key configured"),
        pytest.param("the-admin-key", {}, {"model": "centernet"}, 403, "forbidden", id="no key sent"),
        pytest.param("the-admin-key", {}, {"name": "x"}, 403, "forbidden", id="no key sent and a bad body"),
        pytest.param(
            "the-admin-key", {"X-Admin-Key": "guess"}, {"model": "centernet"}, 403, "forbidden", id="wrong key"
        ),
        pytest.param("the-admin-key", ADMIN, {"model": "yolo"}, 400, "unknown_model", id="unknown model"),
        pytest.param("the-admin-key", ADMIN, {"name": "centernet"}, 400, "bad_parameter", id="no model named"),
    ],
)
def test_changing_the_default_model_is_refused(make_app, admin_key, headers, body, status, code):
    client = make_app(admin_key=admin_key).test_client()

    response = client.put("/api/v1/models/default", json=body, headers=headers)

    assert response.status_code == status
    assert error_code(response) == code
    assert client.get("/api/v1/models/default").get_json()["name"] == "nanodet"


def test_workers_of_one_server_share_the_admins_choice(make_app, tmp_path):
    own_database = {"database_url": f"sqlite:///{tmp_path / 'own.db'}", "images_dir": tmp_path / "images"}
    first = make_app(admin_key="k", runtime_dir=tmp_path, **own_database).test_client()
    second = make_app(admin_key="k", runtime_dir=tmp_path, **own_database).test_client()

    first.put("/api/v1/models/default", json={"model": "centernet"}, headers={"X-Admin-Key": "k"})

    assert second.get("/api/v1/models/default").get_json()["name"] == "centernet"


KEYS = ("key-one", "key-two")


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        pytest.param("/api/v1/models", {}, 401, id="api without a key"),
        pytest.param("/api/v1/models", {"X-API-Key": "nope"}, 401, id="api with a wrong key"),
        pytest.param("/api/v1/models", {"X-API-Key": "key-two"}, 200, id="api with a key"),
        pytest.param("/api/v1/models", {"X-Admin-Key": "the-admin-key"}, 200, id="api with the admin key"),
        pytest.param("/api/v1/nothing-here", {}, 401, id="unknown api path without a key"),
        pytest.param("/healthz", {}, 200, id="health needs no key"),
        pytest.param("/api/v1/openapi.json", {}, 200, id="the api description needs no key"),
    ],
)
def test_api_keys_guard_every_api_route(make_app, path, headers, status):
    client = make_app(api_keys=KEYS, admin_key="the-admin-key").test_client()

    response = client.get(path, headers=headers)

    assert response.status_code == status
    if status == 401:
        assert error_code(response) == "unauthorized"


def test_api_keys_guard_detection(make_app, photos):
    client = make_app(api_keys=KEYS).test_client()

    assert detect(client, photos["dog"]).status_code == 401
    assert detect(client, photos["dog"], headers={"X-API-Key": "key-one"}).status_code == 200


def test_api_keys_come_from_the_environment_as_a_comma_separated_list(models_dir, tmp_path):
    from sightline.api import create_app
    from sightline.config import Settings

    settings = Settings.from_env(
        {"SIGHTLINE_API_KEYS": "alpha, beta", "SIGHTLINE_DATA_DIR": str(tmp_path)}, models_dir=models_dir
    )
    client = create_app(settings).test_client()

    assert settings.api_keys == ("alpha", "beta")
    assert client.get("/api/v1/models", headers={"X-API-Key": "beta"}).status_code == 200
    assert client.get("/api/v1/models", headers={"X-API-Key": "gamma"}).status_code == 401


def test_cors_allows_only_the_configured_origins(make_app, photos):
    client = make_app(cors_origins=("https://photos.example",), api_keys=KEYS).test_client()
    preflight = client.options(
        "/api/v1/detect",
        headers={
            "Origin": "https://photos.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-API-Key",
        },
    )
    allowed = client.post(
        "/api/v1/detect",
        data={"image": (io.BytesIO(photos["dog"]), "dog.jpg")},
        headers={"Origin": "https://photos.example", "X-API-Key": "key-one"},
    )
    other = client.get("/api/v1/models", headers={"Origin": "https://evil.example", "X-API-Key": "key-one"})

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://photos.example"
    assert "x-api-key" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://photos.example"
    assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in other.headers


def test_without_cors_origins_no_other_site_may_call_the_api(client):
    response = client.get("/api/v1/models", headers={"Origin": "https://photos.example"})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_int8_variants_are_offered_and_detect(client, photos):
    models = {item["name"]: item for item in client.get("/api/v1/models").get_json()["items"]}

    assert {"nanodet-int8", "centernet-int8"} <= set(models)
    assert models["nanodet-int8"]["default"] is False and "int8" in models["nanodet-int8"]["description"]
    result = client.post("/api/v1/detect?model=nanodet-int8", data=photos["dog"], content_type="image/jpeg")
    assert result.status_code == 200
    assert result.get_json()["model"]["name"] == "nanodet-int8"
    assert "dog" in [item["label"] for item in result.get_json()["detections"]]
