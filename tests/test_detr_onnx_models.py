"""Two-output DETR-family ONNX files (boxes and class logits per query), added with `sightline models add`,
against transformers' own preprocessing and `post_process_object_detection` on the sample photos."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import numpy as np
import pytest

from reference_models import (
    DETR_SIZE,
    assert_same_ranked_detections,
    build_detr_checkpoint,
    export_detr_onnx,
    onnx_file_with_outputs,
    rename_detr_onnx,
    sample_photos,
    transformers_pipeline,
    with_processor,
)
from sightline.detection.options import DetectOptions
from sightline.detection.registry import ModelRegistry

THRESHOLD = 0.3
SCORE_TOLERANCE = 1e-4
DEFAULT_NAMES = ("pixel_values", ("logits", "pred_boxes"))  # optimum's, as transformers' models name them
IMAGENET = (["--mean", "0.485", "0.456", "0.406"], ["--std", "0.229", "0.224", "0.225"])


@dataclass(frozen=True)
class Export:
    """One way a DETR-family model reaches users as an ONNX file."""

    architecture: str  # the transformers model it is built from (reference_models.build_detr_checkpoint)
    normalised: bool  # whether its processor normalises with ImageNet's mean and std
    input_name: str
    output_names: tuple[str, str]
    options: tuple[str, ...]  # what the user tells `models add`
    layout: str


EXPORTS = {
    # RT-DETR and D-FINE as transformers and optimum export them: pixel / 255, sigmoid scores.
    "rt-detr-style": Export("conditional_detr", False, *DEFAULT_NAMES, (), "detr"),
    # RF-DETR's exporter: boxes first, ImageNet normalisation, which the names tell.
    "rf-detr-style": Export("conditional_detr", True, "input", ("dets", "labels"), (), "detr"),
    # The original DETR: softmax with "no object"; the file cannot say so, nor its normalisation.
    "detr": Export("detr", True, *DEFAULT_NAMES, ("--layout", "detr-softmax", *IMAGENET[0], *IMAGENET[1]), "detr-softmax"),
}  # fmt: skip


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, tuple]:
    """Per EXPORTS key: (the checkpoint folder its reference runs, the ONNX file). One model per
    architecture, exported once; the other names and normalisation are given to a copy."""
    directory = tmp_path_factory.mktemp("detr-family")
    models = {}
    for architecture in sorted({export.architecture for export in EXPORTS.values()}):
        folder = build_detr_checkpoint(directory, architecture)
        models[architecture] = folder, export_detr_onnx(folder, directory / f"{architecture}.onnx", *DEFAULT_NAMES)
    built = {}
    for key, export in EXPORTS.items():
        folder, path = models[export.architecture]
        if not export.normalised:
            folder = with_processor(folder, directory / f"{key}-processor", normalised=False)
        if (export.input_name, export.output_names) != DEFAULT_NAMES:
            path = rename_detr_onnx(path, directory / f"{key}.onnx", export.input_name, export.output_names)
        built[key] = folder, path
    return built


@pytest.mark.parametrize("key", EXPORTS)
def test_models_add_registers_a_detr_family_onnx_file_and_it_gives_transformers_own_detections(
    exports, models_cli, models_dir, key
):
    export, (folder, path) = EXPORTS[key], exports[key]

    code, out, err = models_cli("models", "add", str(path), "--name", "mine", *export.options)

    assert (code, err) == (0, ""), err
    assert f"onnx, {export.layout}, input {DETR_SIZE}x{DETR_SIZE}, 80 classes" in out
    entry = tomllib.loads(models_cli.models_file.read_text())["models"]["mine"]
    assert entry.get("mean") == ([0.485, 0.456, 0.406] if export.normalised else None)
    detector = ModelRegistry(models_dir, models_cli.models_file).get("mine")
    reference = transformers_pipeline(folder)
    options = DetectOptions(score_threshold=THRESHOLD, max_detections=300)  # the default iou_threshold, 0.5
    compared, classes, scores, named_twice = 0, set(), set(), 0
    for photo in sample_photos().values():
        (ours,) = detector.detect([photo], options)
        expected = reference(photo, THRESHOLD)
        assert_same_ranked_detections(ours, expected, THRESHOLD, SCORE_TOLERANCE)
        compared += len(expected[1])
        classes |= set(expected[2].tolist())
        scores |= {round(float(score), 3) for score in expected[1]}
        named_twice += len(expected[0]) - len(np.unique(expected[0], axis=0))
    # Random weights, made to vary: many boxes with distinct scores, several classes per photo set.
    assert compared >= 100 and len(scores) >= 50 and len(classes) >= 5
    if export.layout == "detr":
        assert named_twice > 0  # the best query-class pairs, not one class per query


@pytest.mark.parametrize(("key", "wrong_layout"), [("detr", "detr"), ("rt-detr-style", "detr-softmax")])
def test_a_detr_family_file_read_with_the_other_scoring_rule_gives_other_detections(
    exports, models_cli, models_dir, key, wrong_layout
):
    """Why `--layout` matters: the comparison above tells the sigmoid rule from the softmax one."""
    export, (folder, path) = EXPORTS[key], exports[key]
    normalisation = IMAGENET[0] + IMAGENET[1] if export.normalised else []
    assert models_cli("models", "add", str(path), "--name", "mine", "--layout", wrong_layout, *normalisation)[0] == 0
    detector = ModelRegistry(models_dir, models_cli.models_file).get("mine")
    reference = transformers_pipeline(folder)
    photos = sample_photos()

    differing, compared = 0, 0
    for photo in photos.values():
        (ours,) = detector.detect([photo], DetectOptions(score_threshold=THRESHOLD, max_detections=300))
        compared += 1
        try:
            assert_same_ranked_detections(ours, reference(photo, THRESHOLD), THRESHOLD, SCORE_TOLERANCE)
        except AssertionError:
            differing += 1
        if differing == 3:
            break
    assert differing == 3 and compared <= 4  # nearly every photo shows the difference


def test_models_add_refuses_a_layout_or_normalisation_the_file_cannot_have_and_writes_nothing(
    exports, models_cli, tmp_path
):
    code, _, err = models_cli("models", "add", str(exports["detr"][1]), "--layout", "yolo")
    assert code == 1 and "are the detr layout, not yolo" in err and "detr-softmax" in err

    yolo = onnx_file_with_outputs(tmp_path / "yolo.onnx", {"output0": [1, 84, 100]})  # a raw YOLO head
    code, _, err = models_cli("models", "add", str(yolo), "--layout", "detr-softmax")
    assert code == 1 and "are the yolo layout, not detr-softmax" in err

    code, _, err = models_cli("models", "add", str(yolo), *IMAGENET[0])
    assert code == 1 and "mean/std apply to DETR-style files" in err
    assert not models_cli.models_file.exists()


def test_a_hand_written_entry_with_a_bad_std_is_unusable_with_the_reason_and_the_others_serve(
    exports, models_dir, tmp_path
):
    models_file = tmp_path / "models.toml"
    models_file.write_text(
        f'[models.detr]\nformat = "onnx"\nweights = "{exports["detr"][1]}"\nlayout = "detr-softmax"\nstd = [0.2, 0, 0.2]\n'
    )
    registry = ModelRegistry(models_dir, models_file)

    assert "std must be three numbers" in registry.spec("detr").problem
    assert registry.get("nanodet").name == "nanodet"


@pytest.mark.parametrize(("logits", "layout"), [(91, "detr"), (92, "detr-softmax")])
def test_a_detr_file_of_91_coco_classes_is_named_by_coco_id_as_detr_and_rf_detr_number_them(
    models_cli, tmp_path, logits, layout
):
    path = onnx_file_with_outputs(tmp_path / "coco.onnx", {"dets": [1, 300, 4], "labels": [1, 300, logits]})

    code, out, err = models_cli("models", "add", str(path), "--layout", layout)

    assert (code, err) == (0, "")
    assert f"onnx, {layout}, input 64x64, 91 classes" in out
    names = tomllib.loads(models_cli.models_file.read_text())["models"]["coco"]["categories"]
    assert (names[0], names[1], names[12], names[18], names[90]) == ("N/A", "person", "N/A", "dog", "toothbrush")
