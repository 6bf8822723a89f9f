"""Settings as a user meets them: where the data lives from any folder, and the variables' names."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sightline.config import Settings

REPO = Path(__file__).resolve().parent.parent


def _environment(**variables: str) -> dict[str, str]:
    """This process's environment without any SIGHTLINE_* setting, plus `variables`."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("SIGHTLINE_")}
    return {**kept, **variables}


def _sightline(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sightline.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_detect_run_outside_the_checkout_finds_the_checkouts_weights(models_dir, samples_dir, tmp_path) -> None:
    assert models_dir == REPO / "var" / "models"  # what `make setup` fetched is what the command must find
    photo = tmp_path / "photo.jpg"
    shutil.copy(samples_dir / "dog.jpg", photo)

    completed = _sightline("detect", "photo.jpg", "--json", cwd=tmp_path, env=_environment())

    assert completed.returncode == 0, completed.stderr
    record = json.loads(completed.stdout)
    assert record["image"] == "photo.jpg" and "dog" in {item["label"] for item in record["detections"]}
    assert not (tmp_path / "var").exists()  # nothing made in the folder it ran from


def test_installed_outside_a_checkout_the_data_lives_in_the_users_data_folder(
    models_dir, samples_dir, tmp_path
) -> None:
    # The package as a wheel installs it: a copy outside any source tree, found first on the path.
    site = tmp_path / "site"
    shutil.copytree(REPO / "src" / "sightline", site / "sightline", ignore=shutil.ignore_patterns("__pycache__"))
    user_data = tmp_path / "user-data"
    (user_data / "sightline").mkdir(parents=True)
    (user_data / "sightline" / "models").symlink_to(models_dir, target_is_directory=True)
    env = _environment(PYTHONPATH=str(site), XDG_DATA_HOME=str(user_data))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    detected = _sightline("detect", str(samples_dir / "dog.jpg"), "--json", cwd=elsewhere, env=env)
    listed = _sightline("dataset", "list", cwd=elsewhere, env=env)

    assert detected.returncode == 0, detected.stderr
    assert "dog" in {item["label"] for item in json.loads(detected.stdout)["detections"]}
    assert listed.returncode == 0, listed.stderr
    assert (user_data / "sightline" / "sightline.db").is_file() and not list(elsewhere.iterdir())


def test_the_data_dir_variable_wins_over_the_checkout(tmp_path) -> None:
    data = tmp_path / "data"

    completed = _sightline("dataset", "list", cwd=REPO, env=_environment(SIGHTLINE_DATA_DIR=str(data)))

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["reviewed", "0", "images"]
    assert (data / "sightline.db").is_file()


def test_in_the_checkout_the_data_is_its_var_folder_whatever_the_current_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    settings = Settings.from_env({})

    assert settings.data_dir == REPO / "var"
    assert settings.models_dir == REPO / "var" / "models"
    assert settings.database_url == f"sqlite:///{REPO / 'var' / 'sightline.db'}"
    assert settings.web_dir == REPO / "web" / "dist"


@pytest.mark.parametrize(
    ("environ", "threads"),
    [
        ({"SIGHTLINE_INFERENCE_THREADS": "3"}, 3),
        ({"SIGHTLINE_TORCH_THREADS": "2"}, 2),
        ({"SIGHTLINE_INFERENCE_THREADS": "3", "SIGHTLINE_TORCH_THREADS": "2"}, 3),
        ({}, 0),
    ],
)
def test_inference_threads_also_read_from_the_old_variable(environ, threads) -> None:
    assert Settings.from_env(environ).inference_threads == threads


def test_the_old_threads_variable_is_named_as_deprecated(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="sightline.config"):
        Settings.from_env({"SIGHTLINE_TORCH_THREADS": "2"})

    assert "SIGHTLINE_TORCH_THREADS is deprecated; use SIGHTLINE_INFERENCE_THREADS" in caplog.text


def test_a_bad_threads_value_names_the_variable_it_came_from() -> None:
    with pytest.raises(ValueError, match=r"SIGHTLINE_TORCH_THREADS must be an integer, got 'many'"):
        Settings.from_env({"SIGHTLINE_TORCH_THREADS": "many"})
