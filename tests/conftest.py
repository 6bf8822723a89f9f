"""Shared fixtures: the converted model weights, the TF.js originals, sample photos."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Fresh SQLite and PostgreSQL databases for the storage, evaluation and API tests;
# the Flask app, its test client and a real gunicorn server for the API tests.
pytest_plugins = ["database_fixtures", "api_fixtures"]

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture
def models_cli(models_dir, tmp_path, monkeypatch, capsys):
    """Runs `sightline ...` in-process on the built-in weights and a models file of this test's own."""
    models_file = tmp_path / "models.toml"
    monkeypatch.setenv("SIGHTLINE_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("SIGHTLINE_MODELS_FILE", str(models_file))

    def run(*args: str) -> tuple[int, str, str]:
        from sightline.cli import main

        code = main([*args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    run.models_file = models_file
    return run


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The converted weights; fetched (idempotently) if `make` has not done it yet."""
    from sightline.detection.weights import fetch_weights

    directory = Path(os.environ.get("SIGHTLINE_MODELS_DIR", REPO / "var" / "models"))
    fetch_weights(directory, log=lambda _line: None)
    return directory


@pytest.fixture(scope="session")
def tfjs_models_dir(models_dir: Path) -> Path:
    """The verified TF.js graph models the PyTorch ports are checked against."""
    return models_dir / "tfjs"


@pytest.fixture(scope="session")
def registry(models_dir: Path):
    from sightline.detection.registry import ModelRegistry

    return ModelRegistry(models_dir)


@pytest.fixture(scope="session")
def detection_service(models_dir: Path, registry):
    """The detection service as the command line makes it (no database), around the shared registry."""
    from sightline.config import Settings
    from sightline.service import DetectionService

    return DetectionService(Settings(models_dir=models_dir), registry=registry)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def yolo_exports(tmp_path_factory) -> dict[str, Path]:
    """Random-initialised YOLO11n (raw head) and YOLO26n (end-to-end) exported by Ultralytics, once per session."""
    from reference_models import build_yolo_onnx

    directory = tmp_path_factory.mktemp("yolo")
    return {
        "yolo11n": build_yolo_onnx(directory, "yolo11n.yaml", end_to_end=False),
        "yolo26n-end2end": build_yolo_onnx(directory, "yolo26n.yaml", end_to_end=True),
    }
