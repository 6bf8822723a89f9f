"""`sightline openapi`: the document the web app's API types are generated from at build time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def sightline_openapi(tmp_path: Path, **environ: str) -> str:
    """`sightline openapi`'s output, run as a separate process with `environ` added."""
    result = subprocess.run(
        [sys.executable, "-m", "sightline.cli", "openapi"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, **environ},
    )
    return result.stdout


def test_sightline_openapi_is_the_same_whatever_this_machine_serves(tmp_path) -> None:
    plain = sightline_openapi(tmp_path)
    configured = sightline_openapi(
        tmp_path,
        SIGHTLINE_API_KEYS="secret",
        SIGHTLINE_MODELS_DIR=str(tmp_path / "no-models"),
        SIGHTLINE_DEFAULT_MODEL="centernet",
    )

    assert configured == plain


def test_sightline_openapi_describes_the_paths_and_shapes_the_server_serves(client, tmp_path) -> None:
    written = json.loads(sightline_openapi(tmp_path))
    served = client.get("/api/v1/openapi.json").get_json()

    assert sorted(written["paths"]) == sorted(served["paths"])
    assert sorted(written["components"]["schemas"]) == sorted(served["components"]["schemas"])


def test_sightline_openapi_output_writes_the_document_to_a_file(tmp_path) -> None:
    written = tmp_path / "openapi.json"
    subprocess.run([sys.executable, "-m", "sightline.cli", "openapi", "--output", str(written)], check=True)

    assert written.read_text() == sightline_openapi(tmp_path)
