"""The detectors as a user meets them: accurate on real photos, boxes on the photo's own pixels."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchmetrics.detection import MeanAveragePrecision
from torchvision.ops import box_iou

from sightline.detection.images import load_image, load_photo
from sightline.detection.options import DetectOptions

# PASCAL VOC's 20 classes under their COCO names: the VOC photo is annotated only for these.
VOC_CLASSES = {
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "boat", "bird", "cat",
    "dog", "horse", "sheep", "cow", "bottle", "chair", "couch", "potted plant", "dining table", "tv",
}  # fmt: skip


def _ground_truth(samples_dir: Path) -> list[tuple[Path, dict]]:
    coco = json.loads((samples_dir / "annotations.json").read_text())
    found = []
    for image in coco["images"]:
        annotations = [a for a in coco["annotations"] if a["image_id"] == image["id"]]
        boxes = [[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in annotations)]
        target = {
            "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            "labels": torch.tensor([a["category_id"] for a in annotations], dtype=torch.int64),
        }
        found.append((samples_dir / image["file_name"], target))
    return found


# Measured with bench/preprocessing.py: nanodet 0.541, centernet 0.523; int8 (bench/engine.py):
# nanodet-int8 0.556, centernet-int8 0.505. The floors catch a broken port, preprocessing or
# quantization (the TF.js host's input alone costs nanodet 0.11; CenterNet quantized whole, 0.38;
# int8 saturating on AVX2 without 7-bit weights, 0.20) without flaking.
@pytest.mark.parametrize(
    ("model", "floor"), [("nanodet", 0.48), ("centernet", 0.45), ("nanodet-int8", 0.48), ("centernet-int8", 0.45)]
)
def test_accuracy_on_the_annotated_samples(registry, samples_dir, model: str, floor: float) -> None:
    detector = registry.get(model)
    metric = MeanAveragePrecision(box_format="xyxy", backend="pycocotools")
    for photo, target in _ground_truth(samples_dir):
        found = detector.detect([load_image(photo)], DetectOptions(score_threshold=0.05))[0]
        if photo.name.startswith("voc_"):
            found = found[np.array([label in VOC_CLASSES for label in found.labels], dtype=bool)]
        prediction = {
            "boxes": torch.from_numpy(found.boxes.copy()),
            "scores": torch.from_numpy(found.scores.copy()),
            "labels": torch.from_numpy(found.class_ids.copy()),
        }
        metric.update([prediction], [target])

    assert float(metric.compute()["map"]) >= floor


def _iou(first: np.ndarray, second: np.ndarray) -> float:
    return float(box_iou(torch.tensor(first[None]), torch.tensor(second[None]))[0, 0])


def _best(detections, label: str) -> np.ndarray:
    index = [i for i, found in enumerate(detections.labels) if found == label]
    assert index, f"no {label} found in {detections.labels}"
    return detections.boxes[index[0]]


@pytest.mark.parametrize("model", ["nanodet", "centernet"])
def test_exif_rotated_photo_gives_boxes_on_the_right_objects(registry, samples_dir, model: str) -> None:
    upright = load_image(samples_dir / "dog.jpg")
    # What a phone writes: pixels stored sideways plus an EXIF tag saying "rotate 90 CW to view".
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buffer, format="JPEG", quality=95, exif=exif)
    detector = registry.get(model)

    expected = detector.detect([upright])[0]
    rotated = detector.detect([load_image(buffer.getvalue())])[0]

    # The sideways photo is letterboxed differently, so boxes move a little, not to another object.
    for label in ("dog", "bicycle"):
        assert _iou(_best(rotated, label), _best(expected, label)) > 0.9


def test_boxes_follow_the_photo_size(registry, samples_dir) -> None:
    photo = load_image(samples_dir / "person.jpg")
    detector = registry.get("nanodet")

    small = detector.detect([photo])[0]
    large = detector.detect([photo.resize((photo.width * 3, photo.height * 3), Image.Resampling.BICUBIC)])[0]

    np.testing.assert_allclose(_best(large, "person") / 3, _best(small, "person"), atol=3)
    assert large.boxes[:, [0, 2]].max() <= photo.width * 3 and large.boxes.min() >= 0


def test_a_batch_gives_the_same_results_as_one_by_one(registry, samples_dir) -> None:
    photos = [load_image(samples_dir / name) for name in ("dog.jpg", "horses.jpg", "person.jpg")]
    detector = registry.get("nanodet")

    together = detector.detect(photos)
    alone = [detector.detect([photo])[0] for photo in photos]

    for batch_result, single_result in zip(together, alone, strict=True):
        assert batch_result.labels == single_result.labels
        np.testing.assert_allclose(batch_result.boxes, single_result.boxes, atol=1e-2)


def test_concurrent_callers_each_get_their_own_result(registry, samples_dir) -> None:
    names = ["dog.jpg", "horses.jpg", "person.jpg", "coffee.jpg"] * 3
    photos = [load_image(samples_dir / name) for name in names]
    detector = registry.get("nanodet")
    sequential = [detector.detect([photo])[0] for photo in photos]

    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(lambda photo: detector.detect([photo])[0], photos))

    for alone, shared in zip(sequential, concurrent, strict=True):
        assert alone.labels == shared.labels
        np.testing.assert_allclose(alone.boxes, shared.boxes, atol=1e-3)


def test_options_are_applied(registry, samples_dir) -> None:
    photo = load_image(samples_dir / "horses.jpg")
    detector = registry.get("nanodet")

    everything = detector.detect([photo], DetectOptions(score_threshold=0.05, max_detections=1000))[0]
    horses = detector.detect([photo], DetectOptions(score_threshold=0.05, class_ids=frozenset({17})))[0]
    top3 = detector.detect([photo], DetectOptions(score_threshold=0.05, max_detections=3))[0]

    assert len(everything) > len(horses) > 0 and set(horses.labels) == {"horse"}
    assert top3.labels == everything.labels[:3]
    assert list(everything.scores) == sorted(everything.scores, reverse=True)


def _phone_photo(samples_dir: Path, name: str, size: tuple[int, int], orientation: int) -> bytes:
    """A sample upscaled to a phone photo's size (odd, so reduced decodes round), stored the way a
    phone does: sideways pixels plus the EXIF orientation that turns them upright again."""
    upright = load_image(samples_dir / name).resize(size, Image.Resampling.BICUBIC)
    sideways = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
    stored = upright.transpose(sideways[orientation]) if sideways[orientation] else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize("model", ["nanodet", "centernet"])
@pytest.mark.parametrize("orientation", [1, 6, 3])
def test_a_phone_photo_decoded_small_gives_the_boxes_of_its_full_decode(
    registry, samples_dir, model: str, orientation: int
) -> None:
    # The annotated VOC photo: people the models find with confidence. (Boxes that score lower wobble
    # with any change of the input, a JPEG re-encoding as much as this decode: NanoDet's box for
    # the bicycle in dog.jpg moves 1-2% of the photo.)
    data = _phone_photo(samples_dir, "voc_cafeteria.jpg", (4033, 3025), orientation)
    detector = registry.get(model)
    options = DetectOptions(score_threshold=0.3)

    full = load_photo(data)
    small = load_photo(data, decode_size=detector.decode_size)
    expected = detector.detect([full], options)[0]
    found = detector.detect([small], options)[0]

    assert small.size == full.size == (4033, 3025)
    assert small.image.width * small.image.height * 4 <= full.image.width * full.image.height
    assert len(expected) >= 5 and expected.labels[:2] == ("person", "person")
    for box, label in zip(expected.boxes[:5], expected.labels[:5], strict=True):
        nearest = min(
            (candidate for candidate, name in zip(found.boxes, found.labels, strict=True) if name == label),
            key=lambda candidate: np.abs(candidate - box).max(),
        )
        np.testing.assert_allclose(nearest, box, atol=0.01 * 4033)
        assert _iou(nearest, box) >= 0.9
