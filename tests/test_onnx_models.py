"""ONNX detector files, served as their exporters' own predictors run them, on the sample photos."""

from __future__ import annotations

import pytest
import torch
from torchvision.ops import box_iou

from reference_models import (
    assert_same_detections,
    build_ultralytics_rt_detr_onnx,
    nms_would_drop,
    onnx_file_with_outputs,
    sample_photos,
    ultralytics_rt_detr_reference,
    yolo_reference,
)
from sightline.detection.catalogue import add_model
from sightline.detection.options import DetectOptions
from sightline.detection.registry import ModelLoadError, ModelRegistry


def _registry(tmp_path, name: str, path, models_dir=None) -> ModelRegistry:
    models_file = tmp_path / "models.toml"
    models_file.write_text(f'[models.{name}]\nformat = "onnx"\nweights = "{path}"\n')
    return ModelRegistry(models_dir or tmp_path, models_file)


@pytest.mark.parametrize("name", ["yolo11n", "yolo26n-end2end"])
def test_yolo_exports_give_ultralytics_own_boxes_labels_and_scores(yolo_exports, tmp_path, name):
    registry = _registry(tmp_path, name.replace("-", "_"), yolo_exports[name])
    spec = registry.spec(name.replace("-", "_"))
    detector = registry.get(spec.name)
    # The default iou_threshold, as clients send it: an NMS-free head must not be suppressed by it.
    options = DetectOptions(score_threshold=0.3, max_detections=300)
    assert options.iou_threshold == 0.5
    compared, overlapping = 0, 0
    for photo in sample_photos().values():
        (ours,) = detector.detect([photo], options)
        reference = yolo_reference(yolo_exports[name], photo, 0.3)
        assert_same_detections(ours, reference, 0.3)
        compared += len(reference[0])
        overlapping += nms_would_drop(reference)
    assert compared >= 20  # enough boxes for the comparison to mean something
    if "end2end" in name:
        assert overlapping >= 5  # boxes our NMS would have wrongly removed are among those compared
    assert spec.architecture == ("yolo-end2end" if "end2end" in name else "yolo")
    assert spec.input_size == (320, 320)


@pytest.fixture(scope="module")
def rt_detr_export(tmp_path_factory):
    return build_ultralytics_rt_detr_onnx(tmp_path_factory.mktemp("ultralytics-rt-detr"))


def test_models_add_registers_an_ultralytics_rt_detr_export_and_it_gives_ultralytics_own_detections(
    rt_detr_export, models_dir, tmp_path
):
    path = rt_detr_export
    models_file = tmp_path / "models.toml"
    photos = sample_photos()

    added = add_model(models_dir, models_file, path, photos["dog"], name="rtdetr")

    assert (added.spec.format, added.spec.architecture, added.spec.input_size) == (
        "onnx",
        "ultralytics-rtdetr",
        (320, 320),
    )
    detector = ModelRegistry(models_dir, models_file).get("rtdetr")
    options = DetectOptions(score_threshold=0.4, max_detections=300)  # the default iou_threshold, 0.5
    compared, overlapping, scores, classes = 0, 0, set(), set()
    for photo in photos.values():
        (ours,) = detector.detect([photo], options)
        reference = ultralytics_rt_detr_reference(path, photo, 0.4)
        assert_same_detections(ours, reference, 0.4)
        compared += len(reference[0])
        overlapping += nms_would_drop(reference)
        scores |= {round(float(score), 3) for score in reference[1]}
        classes |= set(reference[2].tolist())
    # Random weights, made to vary: many boxes, scores and classes, some that NMS would have removed.
    assert compared >= 50 and len(scores) >= 30 and len(classes) >= 10
    assert overlapping >= 5


def test_agnostic_nms_asked_for_still_leaves_one_label_per_object_on_an_nms_free_model(rt_detr_export, tmp_path):
    detector = _registry(tmp_path, "rtdetr", rt_detr_export).get("rtdetr")
    photo = sample_photos()["dog"]

    (plain,) = detector.detect([photo], DetectOptions(score_threshold=0.3))
    (agnostic,) = detector.detect([photo], DetectOptions(score_threshold=0.3, agnostic_nms=True))

    def overlaps(found) -> int:
        iou = box_iou(torch.from_numpy(found.boxes), torch.from_numpy(found.boxes)).fill_diagonal_(0)
        return int((iou > 0.5).sum()) // 2

    # Boxes are cut at the photo's edges after NMS, as Ultralytics cuts them, so a few cut ones may overlap.
    assert overlaps(plain) >= 50 and overlaps(agnostic) <= overlaps(plain) // 20
    assert 0 < len(agnostic) < len(plain)


def test_an_onnx_file_of_another_layout_is_refused_naming_its_outputs_and_the_supported_ones(tmp_path, models_dir):
    path = onnx_file_with_outputs(tmp_path / "segmenter.onnx", {"masks": [1, 21, 64, 64]})
    registry = _registry(tmp_path, "segmenter", path, models_dir)

    with pytest.raises(ModelLoadError) as refused:
        registry.get("segmenter")

    assert "masks [1, 21, 64, 64]" in str(refused.value)
    assert "yolo-end2end" in str(refused.value) and "RT-DETR" in str(refused.value)
    assert registry.get("nanodet").name == "nanodet"  # the others keep working


def test_a_truncated_export_fails_with_the_file_and_the_fix_then_a_good_one_is_used_without_restart(
    yolo_exports, tmp_path
):
    path = tmp_path / "yolo.onnx"
    path.write_bytes(yolo_exports["yolo11n"].read_bytes()[:100_000])
    models_file = tmp_path / "models.toml"
    models_file.write_text(
        '[models.yolo]\nformat = "onnx"\nweights = "yolo.onnx"\nlayout = "yolo"\ninput_size = [320, 320]\n'
    )
    registry = ModelRegistry(tmp_path, models_file)

    with pytest.raises(ModelLoadError) as refused:
        registry.get("yolo")
    assert "yolo.onnx" in refused.value.summary and "export the model again" in refused.value.summary
    assert str(tmp_path) not in refused.value.summary
    assert registry.load_error("yolo") is refused.value

    path.write_bytes(yolo_exports["yolo11n"].read_bytes())  # exported again, in place
    (found,) = registry.get("yolo").detect([sample_photos()["dog"]], DetectOptions(score_threshold=0.3))
    assert len(found) > 0 and registry.load_error("yolo") is None
