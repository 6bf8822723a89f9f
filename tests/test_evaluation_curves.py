"""Precision-recall curves, operating points and photo errors: each checked against pycocotools' own
COCOeval run directly on the samples (its precision array, and F1 counted from its matching)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pycocotools.cocoeval import COCOeval

from sightline.detection.categories import COCO_80
from sightline.detection.images import load_image
from sightline.evaluation.metrics import mean_average_precision
from sightline.evaluation.runs import EVALUATION_OPTIONS, ModelScore, comparison, format_comparison, score_models
from sightline.storage.service import Storage
from test_detections import make_detections
from test_evaluation import cocoeval, import_samples, truths_of

MODELS = ("nanodet", "centernet")


@pytest.fixture(scope="module")
def sample_annotations(samples_dir: Path) -> dict:
    return json.loads((samples_dir / "annotations.json").read_text())


@pytest.fixture(scope="module")
def found_on_samples(registry, samples_dir: Path, sample_annotations: dict) -> dict[str, dict]:
    """Each built-in model's detections on every sample photo, by model, then file name."""
    return {
        model: {
            entry["file_name"]: registry.get(model).detect(
                [load_image(samples_dir / entry["file_name"])], EVALUATION_OPTIONS
            )[0]
            for entry in sample_annotations["images"]
        }
        for model in MODELS
    }


@pytest.fixture(scope="module")
def ours_and_theirs(found_on_samples, sample_annotations, tmp_path_factory) -> dict[str, tuple[dict, COCOeval]]:
    names = [entry["file_name"] for entry in sample_annotations["images"]]
    truths = truths_of(sample_annotations)
    pairs = {}
    for model, found in found_on_samples.items():
        ours = mean_average_precision([found[n] for n in names], [truths[n][0] for n in names])
        pairs[model] = (ours, cocoeval(sample_annotations, found, tmp_path_factory.mktemp(model)))
    return pairs


def best_f1_from_cocoeval(evaluator: COCOeval) -> dict:
    """Every distinct score tried as the threshold, TP and FP counted from COCOeval's matching at IoU 0.50."""
    detections, objects = [], 0  # (score, matched) of every detection COCOeval did not ignore
    area_all = [e for e in evaluator.evalImgs if e is not None and e["aRng"] == evaluator.params.areaRng[0]]
    for entry in area_all:
        for score, matched, ignored in zip(entry["dtScores"], entry["dtMatches"][0], entry["dtIgnore"][0], strict=True):
            if not ignored:
                detections.append((score, matched > 0))
        objects += int((~np.asarray(entry["gtIgnore"], dtype=bool)).sum())
    best = None
    for threshold in sorted({score for score, _ in detections}, reverse=True):
        true_positives = sum(1 for score, matched in detections if score >= threshold and matched)
        false_positives = sum(1 for score, matched in detections if score >= threshold and not matched)
        f1 = 2 * true_positives / (true_positives + false_positives + objects)
        if best is None or f1 > best["f1"]:
            best = {
                "score_threshold": threshold,
                "f1": f1,
                "precision": true_positives / (true_positives + false_positives),
                "recall": true_positives / objects,
                "true_positives": true_positives,
                "false_positives": false_positives,
                "missed": objects - true_positives,
            }
    return best


@pytest.mark.parametrize("model", MODELS)
def test_curves_are_cocoevals_precision_at_iou_50(ours_and_theirs, model: str) -> None:
    ours, evaluator = ours_and_theirs[model]
    curves = ours["curves"]
    assert curves["iou"] == 0.5 and curves["recall"] == pytest.approx(list(evaluator.params.recThrs))
    precision = evaluator.eval["precision"][0, :, :, 0, 2]  # IoU 0.50, every recall, every class, area all, 100
    with_truth = [
        (index, COCO_80[category])
        for index, category in enumerate(evaluator.params.catIds)
        if evaluator.cocoGt.getAnnIds(catIds=[category])
    ]
    assert set(curves["per_class"]) == {label for _, label in with_truth}
    for index, label in with_truth:
        assert curves["per_class"][label] == pytest.approx(precision[:, index].tolist(), abs=1e-6), label
    model_curve = precision[:, [index for index, _ in with_truth]].mean(axis=1)
    assert curves["precision"] == pytest.approx(model_curve.tolist(), abs=1e-6)
    # The area under the model's curve is its mAP@50; precision never rises with recall (COCO interpolates).
    assert np.mean(curves["precision"]) == pytest.approx(evaluator.stats[1], abs=1e-5)
    assert all(a >= b - 1e-9 for a, b in zip(curves["precision"], curves["precision"][1:], strict=False))


@pytest.mark.parametrize("model", MODELS)
def test_operating_point_is_the_best_f1_of_cocoevals_matching(ours_and_theirs, model: str) -> None:
    ours, evaluator = ours_and_theirs[model]
    expected = best_f1_from_cocoeval(evaluator)

    point = ours["operating_point"]
    assert point["score_threshold"] == pytest.approx(expected["score_threshold"], abs=1e-6)
    for key in ("f1", "precision", "recall"):
        assert point[key] == pytest.approx(expected[key], abs=1e-9), key
    for key in ("true_positives", "false_positives", "missed"):
        assert point[key] == expected[key], key
    assert 0.05 <= point["score_threshold"] < 1 and 0 < point["f1"] < 1


@pytest.mark.parametrize("model", MODELS)
def test_photo_errors_are_the_operating_points_errors_worst_first(ours_and_theirs, model: str) -> None:
    ours, evaluator = ours_and_theirs[model]
    point, errors = ours["operating_point"], ours["photo_errors"]
    assert sum(len(e["false_positives"]) for e in errors) == point["false_positives"]
    assert sum(len(e["missed"]) for e in errors) == point["missed"]
    counts = [len(e["false_positives"]) + len(e["missed"]) for e in errors]
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0
    assert all(fp["score"] >= point["score_threshold"] - 1e-4 for e in errors for fp in e["false_positives"])

    # The missed objects are those COCOeval left unmatched, or matched below the threshold.
    worst = max(errors, key=lambda e: len(e["missed"]))
    assert worst["missed"]
    image_id = evaluator.params.imgIds[worst["index"]]
    scores = {a["id"]: a["score"] for a in evaluator.cocoDt.anns.values()}
    missed = sorted(
        (COCO_80[e["category_id"]], tuple(evaluator.cocoGt.anns[g]["bbox"]))
        for e in evaluator.evalImgs
        if e is not None and e["image_id"] == image_id and e["aRng"] == evaluator.params.areaRng[0]
        for g, found in zip(e["gtIds"], e["gtMatches"][0], strict=True)
        if not found or scores[int(found)] < point["score_threshold"]
    )
    ours_missed = sorted(
        (m["label"], (x1, y1, x2 - x1, y2 - y1)) for m in worst["missed"] for x1, y1, x2, y2 in [m["box"]]
    )
    assert [label for label, _ in ours_missed] == [label for label, _ in missed]
    for (_, box), (_, expected_box) in zip(ours_missed, missed, strict=True):
        assert box == pytest.approx(expected_box, abs=0.02)


def test_a_perfect_model_operates_at_its_lowest_score_with_no_errors() -> None:
    truth = make_detections(("dog", 1.0, (10, 10, 60, 80)), ("cat", 1.0, (100, 20, 180, 90)))
    found = make_detections(
        ("dog", 0.9, (10, 10, 60, 80)), ("cat", 0.6, (100, 20, 180, 90)), ("cat", 0.2, (0, 0, 5, 5))
    )
    result = mean_average_precision([found], [truth])
    assert result["operating_point"]["score_threshold"] == pytest.approx(0.6)
    assert result["operating_point"]["f1"] == 1.0 and result["photo_errors"] == []
    assert result["curves"]["precision"] == [1.0] * 101

    nothing = mean_average_precision([make_detections()], [truth])
    assert nothing["operating_point"] is None and nothing["curves"]["precision"] == [0.0] * 101
    assert nothing["photo_errors"] == [
        {
            "index": 0,
            "false_positives": [],
            "missed": [
                {"label": "dog", "box": (10.0, 10.0, 60.0, 80.0)},
                {"label": "cat", "box": (100.0, 20.0, 180.0, 90.0)},
            ],
        }
    ]


def test_photo_errors_name_the_stored_photo(storage: Storage, detection_service, samples_dir: Path) -> None:
    import_samples(storage, samples_dir)
    from sightline.evaluation.datasets import load_dataset

    with storage.sessions() as session:
        dataset = load_dataset(session=session, name="samples")
    [score] = score_models(dataset, storage.images.read, detection_service, ["nanodet"])
    by_id = {image.image_id: image for image in dataset}
    assert score.metrics["photo_errors"]
    for errors in score.metrics["photo_errors"]:
        image = by_id[errors["image_id"]]
        assert (errors["file_name"], errors["width"], errors["height"]) == (image.file_name, image.width, image.height)


def _score(name: str, latency_ms: float, **metrics) -> ModelScore:
    return ModelScore(name, "v1", 8, latency_ms, metrics)


def test_a_tie_is_no_win_and_a_size_with_no_objects_reads_n_a() -> None:
    results = [
        _score("a", 20.0, map=0.4821, map_50=0.7, map_small=None),
        _score("b", 20.04, map=0.4818, map_50=0.6, map_small=None),
    ]
    rows = {row["metric"]: row for row in comparison(results)}
    assert rows["map"]["best"] is None  # 0.482 and 0.482 as shown
    assert rows["map_50"]["best"] == "a"
    assert rows["map_small"]["best"] is None
    assert rows["latency_ms"]["best"] is None  # 20.0 and 20.0 ms as shown
    table = {line.split()[0]: line.split()[1:] for line in format_comparison(results).splitlines()}
    assert table["map"] == ["0.482", "0.482"] and table["map_50"] == ["0.700*", "0.600"]
    assert table["map_small"] == ["n/a", "n/a"]
