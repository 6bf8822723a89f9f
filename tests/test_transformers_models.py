"""transformers checkpoints against transformers' own pipeline, on the sample photos (the two-output ONNX files
DETR-family models are exported to: test_detr_onnx_models.py)."""

from __future__ import annotations

import tomllib

import pytest

from reference_models import (
    assert_same_detections,
    build_rt_detr_checkpoint,
    sample_photos,
    transformers_reference,
)
from sightline.detection.catalogue import add_model
from sightline.detection.families.transformers_checkpoints import TransformersDetector
from sightline.detection.options import DetectOptions
from sightline.detection.registry import ModelRegistry

THRESHOLD = 0.2
# The default iou_threshold (0.5), as clients send it: DETR-family models need no NMS and transformers
# applies none, so neither may we.
OPTIONS = DetectOptions(score_threshold=THRESHOLD, max_detections=300)


@pytest.fixture(scope="session")
def rt_detr(tmp_path_factory):
    return build_rt_detr_checkpoint(tmp_path_factory.mktemp("rt-detr"))


def test_models_add_registers_rt_detr_and_it_gives_transformers_own_detections(rt_detr, models_dir, tmp_path):
    models_file = tmp_path / "models.toml"
    photos = sample_photos()
    added = add_model(models_dir, models_file, rt_detr, photos["dog"], name="rtdetr", check_photos=photos)
    assert (added.spec.format, added.spec.architecture) == ("transformers", "transformers")
    # torch's exporter freezes RT-DETR's query selection: the check on the sample photos rejects the
    # export, and the checkpoint is served in PyTorch, its entry saying why.
    entry = tomllib.loads(models_file.read_text())["models"]["rtdetr"]
    assert entry["served"] == "pytorch"
    assert entry["export_check"].startswith("rejected: on "), entry["export_check"]
    assert "served by PyTorch" in entry["description"]
    assert not list(tmp_path.glob("*.onnx"))

    detector = ModelRegistry(models_dir, models_file).get("rtdetr")
    assert isinstance(detector, TransformersDetector)
    compared = 0
    for photo in photos.values():
        (ours,) = detector.detect([photo], OPTIONS)
        reference = transformers_reference(rt_detr, photo, THRESHOLD)
        assert_same_detections(ours, reference, THRESHOLD)
        compared += len(reference[0])
    assert compared >= 20
