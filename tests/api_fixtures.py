"""API fixtures: the Flask app and its test client, a real gunicorn server, and photos to send."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from api_server import ApiServer

ADMIN_KEY = "test-admin-key"


@pytest.fixture(scope="session")
def api_settings(models_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Settings that read nothing from the environment: the test's own data and log folders."""
    from sightline.config import Settings

    data_dir = tmp_path_factory.mktemp("api-data")
    return Settings(data_dir=data_dir, models_dir=models_dir, web_dir=data_dir / "no-web-app")


@pytest.fixture(scope="session")
def app(api_settings):
    """One app for the tests that change nothing in it; `make_app` gives a fresh one."""
    from sightline.api import create_app

    return create_app(api_settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_app(api_settings, tmp_path: Path) -> Callable:
    """`make_app(**settings)`: an app of its own, with its own log file, for tests that change settings."""
    from sightline.api import create_app

    def make(**overrides):
        return create_app(api_settings, log_file=tmp_path / "log" / "sightline.log", **overrides)

    return make


@pytest.fixture
def make_lifecycle_app(api_settings, database_url: str, tmp_path: Path):
    """`make()`: an app on this test's database and image folder; calling it again is a server restart."""
    from sightline.api import create_app

    def make(**overrides):
        return create_app(
            api_settings,
            database_url=database_url,
            images_dir=tmp_path / "images",
            admin_key=ADMIN_KEY,
            log_file=tmp_path / "log" / "sightline.log",
            **overrides,
        )

    return make


@pytest.fixture(scope="session")
def photos(samples_dir: Path) -> dict[str, bytes]:
    return {path.stem: path.read_bytes() for path in samples_dir.glob("*.jpg")}


@pytest.fixture(scope="session")
def server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """`sightline serve` with two workers, shared by the tests that talk to it over HTTP."""
    folder = tmp_path_factory.mktemp("server")
    env = {
        "SIGHTLINE_DATA_DIR": str(folder),
        "SIGHTLINE_MODELS_DIR": str(models_dir),
        "SIGHTLINE_LOG_FILE": str(folder / "sightline.log"),
        "SIGHTLINE_ADMIN_KEY": ADMIN_KEY,
        "SIGHTLINE_WORKERS": "2",
        "SIGHTLINE_MAX_BODY_BYTES": "2000000",
        "SIGHTLINE_MAX_PIXELS": "4000000",
    }
    with ApiServer(env, folder / "server.out") as running:
        yield running


@pytest.fixture
def start_server(models_dir: Path, database_url: str, tmp_path: Path) -> Callable[..., ApiServer]:
    """`start_server(**env)`: `sightline serve` on this test's database and photo folder; stopped after the test."""
    started: list[ApiServer] = []

    def start(**env: str) -> ApiServer:
        server = ApiServer(
            {
                "SIGHTLINE_DATA_DIR": str(tmp_path / "data"),
                "SIGHTLINE_MODELS_DIR": str(models_dir),
                "SIGHTLINE_DATABASE_URL": database_url,
                "SIGHTLINE_LOG_FILE": str(tmp_path / "sightline.log"),
                "SIGHTLINE_ADMIN_KEY": ADMIN_KEY,
                "SIGHTLINE_WORKERS": "2",
                **env,
            },
            tmp_path / "server.out",
        )
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


def encode(image: Image.Image, kind: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()
