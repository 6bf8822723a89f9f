"""Weighted boxes fusion, ensembles of the built-in models, agnostic NMS and the mirrored second pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sightline.detection.categories import COCO_80
from sightline.detection.detector import Detector
from sightline.detection.fusion import mirror, unmirror, weighted_boxes_fusion
from sightline.detection.images import Photo, load_image
from sightline.detection.options import DetectOptions, OptionError
from sightline.detection.registry import ModelConfigError, ModelRegistry

PAGE_OPTIONS = DetectOptions(score_threshold=0.05)  # what the page asks for


def candidates(boxes, scores, class_ids):
    return (
        np.array(boxes, dtype=np.float32).reshape(-1, 4),
        np.array(scores, dtype=np.float32),
        np.array(class_ids, dtype=np.int64),
    )


def iou(a, b) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    overlap = max(width, 0) * max(height, 0)
    return overlap / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap)


def test_fusion_averages_the_boxes_of_one_object_by_score_and_keeps_the_others_apart() -> None:
    first = candidates([[0, 0, 100, 100], [200, 200, 300, 300]], [0.9, 0.6], [16, 16])
    second = candidates([[10, 0, 110, 100], [0, 0, 100, 100]], [0.3, 0.8], [16, 15])

    boxes, scores, class_ids = weighted_boxes_fusion([first, second], weights=(1.0, 1.0))

    # The two dogs at the top left (IoU 0.82) become one box: x = (0.9*0 + 0.3*10) / 1.2 = 2.5,
    # score (0.9 + 0.3) / 2 = 0.6. The cat on the same spot is another class and stays apart; the
    # dog only the first pass found, and the cat only the second found, score half: 0.6 / 2, 0.8 / 2.
    assert class_ids.tolist() == [16, 15, 16]
    assert scores.tolist() == pytest.approx([0.6, 0.4, 0.3])
    assert boxes[0].tolist() == pytest.approx([2.5, 0, 102.5, 100])
    assert boxes[1].tolist() == pytest.approx([0, 0, 100, 100])
    assert boxes[2].tolist() == pytest.approx([200, 200, 300, 300])


def test_fusion_weights_count_each_pass_by_its_weight() -> None:
    first = candidates([[0, 0, 100, 100]], [0.9], [0])
    second = candidates([[20, 0, 120, 100]], [0.5], [0])

    boxes, scores, _ = weighted_boxes_fusion([first, second], weights=(3.0, 1.0), iou_threshold=0.5)

    # Weighted scores 2.7 and 0.5: the box is pulled towards the first pass, x1 = 0.5*20 / 3.2.
    assert boxes[0].tolist() == pytest.approx([10 / 3.2, 0, 100 + 10 / 3.2, 100], rel=1e-5)
    assert scores.tolist() == pytest.approx([(2.7 + 0.5) / 2 * 2 / 4.0])


def test_fusion_agrees_with_the_ensemble_boxes_package() -> None:
    from ensemble_boxes import weighted_boxes_fusion as reference

    rng = np.random.default_rng(7)
    passes = []
    for _ in range(3):
        corners = rng.uniform(0, 0.8, (40, 2))
        sizes = rng.uniform(0.05, 0.2, (40, 2))
        # Jittered copies of 10 shared objects, so that boxes of different passes overlap.
        corners[:10] = np.linspace(0.05, 0.7, 10)[:, None] + rng.normal(0, 0.01, (10, 2))
        sizes[:10] = 0.15
        boxes = np.hstack([corners, corners + sizes]).clip(0, 1)
        passes.append(candidates(boxes, rng.uniform(0.05, 1, 40), rng.integers(0, 3, 40)))
    weights = (2.0, 1.0, 1.5)

    boxes, scores, labels = weighted_boxes_fusion(passes, weights)
    expected_boxes, expected_scores, expected_labels = reference(
        [p[0].tolist() for p in passes],
        [p[1].tolist() for p in passes],
        [p[2].tolist() for p in passes],
        weights=list(weights),
        iou_thr=0.55,
        skip_box_thr=0.0,
    )

    assert len(boxes) == len(expected_boxes) < 120  # some boxes were fused
    np.testing.assert_allclose(scores, expected_scores, atol=1e-6)
    np.testing.assert_allclose(boxes, expected_boxes, atol=1e-5)
    assert labels.tolist() == expected_labels.astype(int).tolist()


def test_unmirror_maps_boxes_of_the_mirrored_photo_back() -> None:
    boxes, _, _ = unmirror(candidates([[10, 20, 110, 220]], [0.5], [0]), width=768)

    assert boxes.tolist() == [[658, 20, 758, 220]]


@pytest.fixture(scope="module")
def dog(samples_dir: Path) -> Image.Image:
    return load_image(samples_dir / "dog.jpg")


def overlapping_label_pairs(found) -> list[tuple[str, str]]:
    """Pairs of boxes with different labels on the same object (IoU above 0.5)."""
    pairs = []
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            if found.labels[i] != found.labels[j] and iou(found.boxes[i], found.boxes[j]) > 0.5:
                pairs.append((found.labels[i], found.labels[j]))
    return pairs


def test_agnostic_nms_leaves_one_label_on_the_dog(registry, dog) -> None:
    plain = registry.get("nanodet").detect([dog], DetectOptions())[0]
    agnostic = registry.get("nanodet").detect([dog], DetectOptions(agnostic_nms=True))[0]

    # Per-class NMS keeps "dog" 69% and "cat" 34% on the same dog, and a car and a truck on the truck.
    assert ("dog", "cat") in overlapping_label_pairs(plain)
    assert overlapping_label_pairs(agnostic) == []
    assert "dog" in agnostic.labels and "cat" not in agnostic.labels
    # Each object keeps its best label and box: the agnostic result is the plain one minus the losers.
    assert set(agnostic.labels) <= set(plain.labels) and len(agnostic) < len(plain)
    assert agnostic.scores[0] == plain.scores[0]


def test_agnostic_nms_gives_one_label_per_object_at_the_pages_threshold(registry, dog) -> None:
    for model in ("nanodet", "centernet", "nanodet+centernet"):
        found = registry.get(model).detect([dog], DetectOptions(score_threshold=0.05, agnostic_nms=True))[0]
        assert overlapping_label_pairs(found) == [], model


def test_the_mirrored_pass_finds_the_same_objects_in_the_same_places(registry, dog) -> None:
    detector = registry.get("nanodet")
    plain = detector.detect([dog], DetectOptions())[0]
    flipped = detector.detect([dog], DetectOptions(tta_flip=True))[0]

    for label in ("dog", "bicycle", "car"):
        before = plain.boxes[plain.labels.index(label)]
        after = flipped.boxes[flipped.labels.index(label)]
        assert iou(before, after) > 0.85, (label, before, after)


def test_flipping_the_photo_mirrors_the_flip_augmented_result(registry, dog) -> None:
    # Both runs see the same two photos, in the other order, so their fused boxes are mirror images.
    detector = registry.get("centernet")
    options = DetectOptions(score_threshold=0.2, tta_flip=True)
    found = detector.detect([dog], options)[0]
    on_mirrored = detector.detect([mirror(Photo.from_image(dog))], options)[0]

    back, _, _ = unmirror((on_mirrored.boxes, on_mirrored.scores, on_mirrored.class_ids), dog.width)
    assert on_mirrored.labels == found.labels and len(found) >= 3
    np.testing.assert_allclose(back, found.boxes, atol=1.5)
    np.testing.assert_allclose(on_mirrored.scores, found.scores, atol=0.01)


class CountingRun:
    """A pass runner that records which model ran each pass."""

    def __init__(self) -> None:
        self.passes: list[str] = []

    def __call__(self, detector: Detector, images, score_floor):
        self.passes.append(detector.name)
        return detector.candidates(images, score_floor)


def test_the_built_in_ensemble_runs_each_member_once_and_fuses_their_boxes(registry, dog) -> None:
    spec = registry.spec("nanodet+centernet")
    assert spec.members == ("nanodet", "centernet") and spec.categories == COCO_80
    run = CountingRun()
    fused = registry.get("nanodet+centernet").detect([dog], PAGE_OPTIONS, run)[0]

    assert run.passes == ["nanodet", "centernet"]
    nanodet = registry.get("nanodet").detect([dog], PAGE_OPTIONS)[0]
    centernet = registry.get("centernet").detect([dog], PAGE_OPTIONS)[0]
    # The dog both found is one fused box between theirs, scoring the mean of their scores.
    best = {name: found.boxes[found.labels.index("dog")] for name, found in (("n", nanodet), ("c", centernet))}
    dog_box = fused.boxes[fused.labels.index("dog")]
    assert iou(dog_box, best["n"]) > 0.8 and iou(dog_box, best["c"]) > 0.8
    scores = (nanodet.scores[nanodet.labels.index("dog")], centernet.scores[centernet.labels.index("dog")])
    assert fused.scores[fused.labels.index("dog")] == pytest.approx(np.mean(scores), abs=0.02)


def test_flip_on_an_ensemble_runs_every_member_on_both_photos(registry, dog) -> None:
    run = CountingRun()
    registry.get("nanodet+centernet").detect([dog], DetectOptions(tta_flip=True), run)

    assert sorted(run.passes) == ["centernet", "centernet", "nanodet", "nanodet"]


def test_options_must_be_booleans() -> None:
    with pytest.raises(OptionError, match="tta_flip"):
        DetectOptions(tta_flip="yes")


def write_models_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(text)
    return path


def test_an_ensemble_of_the_users_own_is_registered_with_its_weights(models_dir, tmp_path, dog) -> None:
    models_file = write_models_file(
        tmp_path, '[models.mostly-centernet]\nmembers = ["nanodet", "centernet"]\nweights = [1, 3]\n'
    )
    registry = ModelRegistry(models_dir, models_file)
    detector = registry.get("mostly-centernet")

    assert detector.weights == (1.0, 3.0) and [m.name for m in detector.members] == ["nanodet", "centernet"]
    # The members are the registry's own detectors, loaded once and shared.
    assert detector.members[0] is registry.get("nanodet")
    assert "dog" in detector.detect([dog])[0].labels


@pytest.mark.parametrize(
    "entry, message",
    [
        ('members = ["nanodet"]', "at least two"),
        ('members = ["nanodet", "nanodet"]', "twice"),
        ('members = ["nanodet", "yolo"]', "member 'yolo' is not a registered model"),
        ('members = ["nanodet", "centernet"]\nweights = [1]', "2 positive numbers"),
        ('members = ["nanodet", "centernet"]\nweights = [1, -2]', "2 positive numbers"),
        ('members = ["nanodet", "nanodet+centernet"]', "is an ensemble itself"),
    ],
)
def test_a_malformed_ensemble_entry_is_refused_naming_it(models_dir, tmp_path, entry, message) -> None:
    models_file = write_models_file(tmp_path, f"[models.mine]\n{entry}\n")

    with pytest.raises(ModelConfigError, match=message) as raised:
        ModelRegistry(models_dir, models_file)
    assert "mine" in str(raised.value)


def test_mirroring_a_reduced_decode_mirrors_the_part_that_is_the_photo() -> None:
    # A 1/4-scale decode whose size was rounded up: the photo ends 0.5 px before the decoded image's edge.
    photo = Photo(Image.new("RGB", (100, 50)), width=398, height=200, region=(0.0, 0.0, 99.5, 50.0))

    mirrored = mirror(photo)

    assert mirrored.region == (0.5, 0.0, 100.0, 50.0) and (mirrored.width, mirrored.height) == (398, 200)
