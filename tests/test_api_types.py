"""The web app's API types: generated from the OpenAPI document that `sightline openapi` writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "web"
GENERATED_TYPES = WEB / "src" / "api" / "openapi.d.ts"
OPENAPI_TYPESCRIPT = WEB / "node_modules" / ".bin" / "openapi-typescript"


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


def test_the_committed_web_types_are_the_ones_the_api_document_gives_now(tmp_path) -> None:
    if not OPENAPI_TYPESCRIPT.exists():
        pytest.fail("web/node_modules is not installed: run `cd web && npm ci` (make test does)")
    # The same generator and flags as web/package.json's `api-types` script.
    generated = subprocess.run(
        [str(OPENAPI_TYPESCRIPT), "--default-non-nullable", "false"],
        input=sightline_openapi(tmp_path),
        capture_output=True,
        text=True,
        check=True,
        cwd=WEB,
    ).stdout

    assert generated == GENERATED_TYPES.read_text(), (
        "web/src/api/openapi.d.ts is out of date with the API's schemas: run `cd web && npm run api-types`"
    )


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
