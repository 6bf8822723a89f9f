"""Datasets, COCO import/export and mAP: the numbers must agree with pycocotools' own COCOeval."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from sqlalchemy import func, select

from sightline.api.schemas.evaluations import EvaluationOut
from sightline.detection.categories import COCO_80
from sightline.detection.detections import Detections
from sightline.detection.images import load_image
from sightline.evaluation import coco
from sightline.evaluation.dataset_checks import DatasetError
from sightline.evaluation.datasets import load_dataset
from sightline.evaluation.metrics import SUMMARY_KEYS, mean_average_precision
from sightline.evaluation.runs import (
    EVALUATION_OPTIONS,
    EvaluationBusyError,
    EvaluationError,
    ModelScore,
    comparison,
    create_evaluation,
    format_comparison,
    recommend,
    run_evaluation,
    score_models,
)
from sightline.storage import crud
from sightline.storage.models import Dataset, DatasetBox, EvaluationStatus, StoredImage, utcnow
from sightline.storage.service import Storage
from test_detections import make_detections
from test_storage import files_in, jpeg_bytes, store_photo

MAX_PIXELS = 50_000_000


@pytest.fixture(scope="module")
def sample_annotations(samples_dir: Path) -> dict:
    return json.loads((samples_dir / "annotations.json").read_text())


@pytest.fixture(scope="module")
def nanodet_on_samples(registry, samples_dir: Path, sample_annotations: dict) -> dict:
    """NanoDet's detections on every sample photo, by file name."""
    detector = registry.get("nanodet")
    return {
        entry["file_name"]: detector.detect([load_image(samples_dir / entry["file_name"])], EVALUATION_OPTIONS)[0]
        for entry in sample_annotations["images"]
    }


def with_crowd_regions(annotations: dict) -> dict:
    """The samples with two groups boxed as COCO crowd regions instead of one box each: three horses, three chairs."""
    document = copy.deepcopy(annotations)
    document["annotations"] = [a for a in document["annotations"] if a["id"] not in {7, 8, 9, 16, 17, 18}]
    for number, (image_id, category_id, bbox) in enumerate(
        [(2, COCO_80.index("horse"), [222, 198, 371, 165]), (4, COCO_80.index("chair"), [286, 74, 99, 124])], start=37
    ):
        document["annotations"].append(
            {
                "id": number,
                "image_id": image_id,
                "category_id": category_id,
                "bbox": bbox,
                "area": bbox[2] * bbox[3],
                "iscrowd": 1,
            }
        )
    return document


@pytest.fixture
def crowd_annotations(sample_annotations: dict, tmp_path: Path) -> Path:
    """A COCO file of the sample photos with crowd regions (`with_crowd_regions`)."""
    path = tmp_path / "crowded.json"
    path.write_text(json.dumps(with_crowd_regions(sample_annotations)))
    return path


def truths_of(annotations: dict) -> dict[str, tuple[Detections, tuple[bool, ...]]]:
    """Ground truth and crowd flags per file name from a COCO document whose category ids are COCO_80 indices."""
    truths = {}
    for entry in annotations["images"]:
        kept = [a for a in annotations["annotations"] if a["image_id"] == entry["id"]]
        rows = [
            (
                COCO_80[a["category_id"]],
                1.0,
                (a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]),
            )
            for a in kept
        ]
        truths[entry["file_name"]] = (make_detections(*rows), tuple(a["iscrowd"] == 1 for a in kept))
    return truths


def cocoeval(annotations: dict, detections: dict[str, Detections], tmp_path: Path) -> COCOeval:
    """pycocotools' own evaluation of `detections` (by file name) against the COCO document `annotations`."""
    (tmp_path / "gt.json").write_text(json.dumps(annotations))
    ground_truth = COCO(str(tmp_path / "gt.json"))
    results = [
        {
            "image_id": entry["id"],
            "category_id": int(class_id),
            "bbox": [float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
            "score": float(score),
        }
        for entry in annotations["images"]
        for (x1, y1, x2, y2), score, class_id in zip(
            detections[entry["file_name"]].boxes,
            detections[entry["file_name"]].scores,
            detections[entry["file_name"]].class_ids,
            strict=True,
        )
    ]
    evaluator = COCOeval(ground_truth, ground_truth.loadRes(results), "bbox")
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return evaluator


def assert_agrees_with(ours: dict, evaluator: COCOeval) -> None:
    """Every summary number and every class's AP are COCOeval's, within 1e-6."""
    # COCOeval's 12 summary numbers are, in order, the torchmetrics keys we report.
    for key, expected in zip(SUMMARY_KEYS, evaluator.stats, strict=True):
        assert ours[key] == pytest.approx(None if expected < 0 else expected, abs=1e-6), key
    # Per class: precision[iou, recall, class, area=all, maxdets=100] averaged over the defined entries.
    precision = evaluator.eval["precision"][:, :, :, 0, 2]
    for index, category_id in enumerate(evaluator.params.catIds):
        if not evaluator.cocoGt.getAnnIds(catIds=[category_id]):
            continue
        values = precision[:, :, index]
        expected = float(values[values > -1].mean()) if (values > -1).any() else None
        assert ours["per_class"][COCO_80[category_id]] == pytest.approx(expected, abs=1e-6), COCO_80[category_id]


def test_map_agrees_with_cocoeval_run_directly(sample_annotations: dict, nanodet_on_samples: dict, tmp_path) -> None:
    names = [entry["file_name"] for entry in sample_annotations["images"]]
    truths = truths_of(sample_annotations)
    ours = mean_average_precision([nanodet_on_samples[n] for n in names], [truths[n][0] for n in names])

    assert_agrees_with(ours, cocoeval(sample_annotations, nanodet_on_samples, tmp_path))
    assert 0.2 < ours["map"] < 0.9 and ours["map_50"] > ours["map"]
    assert set(ours["per_class"]) >= {"dog", "horse", "person", "cat"}


def test_an_imported_crowd_region_is_ignored_as_cocoeval_ignores_it(
    storage: Storage, detection_service, samples_dir: Path, crowd_annotations: Path, nanodet_on_samples: dict, tmp_path
) -> None:
    import_coco(storage, crowd_annotations, samples_dir, "crowded")
    with storage.sessions() as session:
        dataset = load_dataset(session=session, name="crowded")
        assert sorted(session.scalars(select(DatasetBox.label).where(DatasetBox.crowd))) == ["chair", "horse"]

    [score] = score_models(dataset, storage.images.read, detection_service, ["nanodet"])

    assert_agrees_with(score.metrics, cocoeval(json.loads(crowd_annotations.read_text()), nanodet_on_samples, tmp_path))
    # The same boxes taken as single objects score differently: the crowd flags are what COCOeval agrees with.
    found = [nanodet_on_samples[image.file_name] for image in dataset]
    as_objects = mean_average_precision(found, [image.truth for image in dataset])
    assert abs(as_objects["map"] - score.metrics["map"]) > 1e-3


def test_detections_on_a_crowd_region_do_not_lower_precision() -> None:
    truth = make_detections(
        ("person", 1.0, (300, 20, 350, 120)),
        ("person", 1.0, (20, 20, 260, 200)),  # a group of people in one box
    )
    # Two people of the group, found with more confidence than the lone person.
    found = make_detections(
        ("person", 0.9, (30, 30, 80, 190)), ("person", 0.8, (150, 40, 200, 195)), ("person", 0.7, (300, 20, 350, 120))
    )

    as_crowd = mean_average_precision([found], [truth], [(False, True)])
    as_objects = mean_average_precision([found], [truth])

    assert as_crowd["map"] == pytest.approx(1.0) and as_crowd["mar_100"] == pytest.approx(1.0)
    # Taken as one object, the group box is missed and both detections on it are false positives.
    assert as_objects["map"] < 0.5 and as_objects["mar_100"] == pytest.approx(0.5)


def test_perfect_and_empty_predictions_score_one_and_zero() -> None:
    truth = make_detections(("dog", 1.0, (10, 10, 60, 80)), ("cat", 1.0, (100, 20, 180, 90)))
    perfect = mean_average_precision([truth], [truth])
    nothing = mean_average_precision([make_detections()], [truth])

    assert perfect["map"] == pytest.approx(1.0) and perfect["per_class"] == {"dog": 1.0, "cat": 1.0}
    assert nothing["map"] == 0.0 and nothing["mar_100"] == 0.0
    # No small objects in the ground truth: nothing to measure, reported as None, not as -1.
    assert perfect["map_small"] is None


def test_reviewed_photos_become_ground_truth(storage: Storage) -> None:
    rows = [
        ("dog", 0.9, (1, 1, 20, 20)),  # confirmed
        ("cat", 0.8, (5, 5, 30, 30)),  # relabelled as bird
        ("car", 0.7, (2, 2, 10, 10)),  # not an object
        ("person", 0.6, (30, 5, 50, 40)),  # box fixed
        ("horse", 0.5, (40, 10, 60, 45)),  # left unjudged: not ground truth, however it scores
    ]
    image_id = store_photo(storage, rows=rows)
    unreviewed_id = store_photo(storage, jpeg_bytes((1, 1, 1)))
    with storage.writing() as (session, _):
        image = crud.get_image(session=session, image_id=image_id)
        dog, cat, car, person, _ = image.predictions[0].detections
        crud.set_feedback(session=session, detection=dog, verdict="correct", categories=COCO_80)
        crud.set_feedback(session=session, detection=cat, verdict="wrong_label", label="bird", categories=COCO_80)
        crud.set_feedback(session=session, detection=car, verdict="not_an_object", categories=COCO_80)
        crud.set_feedback(
            session=session, detection=person, verdict="wrong_box", box=(31, 6, 49, 47), categories=COCO_80
        )
        crud.add_missed_object(session=session, image=image, label="bottle", box=(50, 1, 60, 9), categories=COCO_80)
        crud.set_review_state(session=session, image=image, reviewed=True)

    with storage.sessions() as session:
        dataset = load_dataset(session=session)
    assert [item.image_id for item in dataset] == [image_id] and unreviewed_id != image_id
    truth = dataset[0].truth
    assert truth.labels == ("dog", "bird", "person", "bottle")
    assert truth.boxes.tolist() == [[1, 1, 20, 20], [5, 5, 30, 30], [31, 6, 49, 47], [50, 1, 60, 9]]
    assert truth.class_ids.tolist() == [COCO_80.index(label) for label in truth.labels]
    assert set(truth.scores.tolist()) == {1.0}
    assert dataset[0].crowd == (False,) * 4
    assert dataset[0].sources == ("nanodet", "nanodet", "nanodet", "drawn")


def test_the_same_object_confirmed_in_two_predictions_is_one_truth_box(storage: Storage) -> None:
    image_id = store_photo(storage, rows=[("dog", 0.9, (1, 1, 20, 20)), ("cat", 0.4, (30, 5, 60, 40))])
    with storage.writing() as (session, _):
        image = crud.get_image(session=session, image_id=image_id)
        crud.add_prediction(
            session=session,
            image=image,
            model_name="centernet",
            model_version="1",
            parameters={"score_threshold": 0.3},
            detections=make_detections(("dog", 0.8, (2, 1, 21, 20)), ("dog", 0.7, (40, 30, 60, 45))),
            duration_ms=20.0,
        )
        session.flush()
        nanodog, _ = image.predictions[0].detections
        centerdog, otherdog = image.predictions[1].detections
        for detection in (nanodog, centerdog, otherdog):
            crud.set_feedback(session=session, detection=detection, verdict="correct", categories=COCO_80)
        crud.set_review_state(session=session, image=image, reviewed=True)

    with storage.sessions() as session:
        [photo] = load_dataset(session=session)

    assert photo.truth.boxes.tolist() == [[1, 1, 20, 20], [40, 30, 60, 45]]
    assert photo.sources == ("nanodet", "centernet")


def import_coco(storage: Storage, annotations: Path, images_dir: Path, name: str) -> None:
    images = coco.read_coco(annotations, images_dir, MAX_PIXELS)
    with storage.writing() as (session, files):
        coco.import_dataset(session=session, files=files, name=name, images=images)


def import_samples(storage: Storage, samples_dir: Path, name: str = "samples") -> None:
    import_coco(storage, samples_dir / "annotations.json", samples_dir, name)


def boxes_by_file(storage: Storage, name: str) -> dict[str, list]:
    """(label, box, crowd) rows per file name of a stored dataset."""
    with storage.sessions() as session:
        return {
            image.file_name: sorted(zip(image.truth.labels, image.truth.boxes.tolist(), image.crowd, strict=True))
            for image in load_dataset(session=session, name=name)
        }


def test_import_then_export_then_import_keeps_every_box_and_crowd_region(
    storage: Storage, samples_dir: Path, crowd_annotations: Path, tmp_path
) -> None:
    import_coco(storage, crowd_annotations, samples_dir, "samples")
    imported = boxes_by_file(storage, "samples")
    expected = {
        name: sorted(zip(truth.labels, truth.boxes.tolist(), crowd, strict=True))
        for name, (truth, crowd) in truths_of(json.loads(crowd_annotations.read_text())).items()
    }
    assert imported == expected and imported["rocket.jpg"] == [] and sum(map(len, imported.values())) == 32
    assert [row for rows in imported.values() for row in rows if row[2]] == [
        ("horse", [222, 198, 593, 363], True),
        ("chair", [286, 74, 385, 198], True),
    ]

    with storage.sessions() as session:
        target = coco.export_dataset(
            load_dataset(session=session, name="samples"), storage.images, tmp_path / "out", "x"
        )
    exported = json.loads(target.read_text())
    assert len(exported["annotations"]) == 32 and exported["categories"][16] == {"id": 16, "name": "dog"}
    assert [a["bbox"] for a in exported["annotations"] if a["iscrowd"] == 1] == [
        [222, 198, 371, 165],
        [286, 74, 99, 124],
    ]
    assert (tmp_path / "out" / "images" / "dog.jpg").read_bytes() == (samples_dir / "dog.jpg").read_bytes()

    import_coco(storage, target, tmp_path / "out" / "images", "again")
    assert boxes_by_file(storage, "again") == imported
    # The same photos are stored once, whichever dataset they belong to.
    assert len(files_in(storage.images)) == 8


def _break(document: dict, images_dir: Path, problem: str) -> str | None:
    """Damage a copy of the samples' COCO document; returns replacement file text when not JSON."""
    if problem == "malformed":
        return '{"images": [ '
    if problem == "unknown category":
        document["categories"][16]["name"] = "wolf"
    elif problem == "box outside":
        document["annotations"][0]["bbox"] = [700, 10, 100, 50]
    elif problem == "missing files":
        (images_dir / "dog.jpg").unlink()
        (images_dir / "horses.jpg").unlink()
    elif problem == "size mismatch":
        document["images"][0]["width"] = 1000
    elif problem == "bad bbox":
        document["annotations"][3]["bbox"] = [1, 2, "x", 4]
    elif problem == "unknown image":
        document["annotations"][3]["image_id"] = 99
    elif problem == "crowd 2":
        document["annotations"][3]["iscrowd"] = 2
    elif problem == "crowd yes":
        document["annotations"][3]["iscrowd"] = "yes"
    return None


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("malformed", "annotations.json is not valid JSON"),
        ("unknown category", "unknown category 'wolf'"),
        ("box outside", r"annotation 1 on dog.jpg: box \[700, 10, 100, 50\] lies outside the 768x576 image"),
        ("missing files", "2 image files missing from .*: dog.jpg, horses.jpg"),
        ("size mismatch", "dog.jpg is 768x576 but annotations.json says 1000x576"),
        ("bad bbox", r"annotation 4: 'bbox' must be \[x, y, width, height\]"),
        ("unknown image", "annotation 4 refers to image id 99"),
        ("crowd 2", "annotation 4: 'iscrowd' must be 0 or 1, not 2"),
        ("crowd yes", "annotation 4: 'iscrowd' must be 0 or 1, not 'yes'"),
    ],
)
def test_a_bad_import_names_the_problem_and_stores_nothing(
    storage: Storage, samples_dir: Path, sample_annotations, tmp_path, problem: str, message: str
) -> None:
    store_photo(storage)
    before = files_in(storage.images)
    images_dir = tmp_path / "upload"
    shutil.copytree(samples_dir, images_dir, ignore=shutil.ignore_patterns("*.json", "*.md"))
    document = copy.deepcopy(sample_annotations)
    replacement = _break(document, images_dir, problem)
    annotations = tmp_path / "annotations.json"
    annotations.write_text(replacement if replacement is not None else json.dumps(document))

    with pytest.raises(DatasetError, match=message):
        coco.read_coco(annotations, images_dir, MAX_PIXELS)

    assert files_in(storage.images) == before
    with storage.sessions() as session:
        assert session.scalar(select(func.count(StoredImage.id))) == 1
        assert session.scalar(select(func.count(Dataset.id))) == 0


def test_an_import_under_a_taken_name_changes_nothing(storage: Storage, samples_dir: Path) -> None:
    import_samples(storage, samples_dir)
    with pytest.raises(DatasetError, match="a dataset named 'samples' already exists"):
        import_samples(storage, samples_dir)
    with storage.sessions() as session:
        assert session.scalar(select(func.count(DatasetBox.id))) == 36


def test_recommended_model_highest_map_then_map50_then_speed() -> None:
    def score(name: str, map_: float, map_50: float, latency: float) -> ModelScore:
        return ModelScore(name, "1", 10, latency, {"map": map_, "map_50": map_50})

    assert recommend([score("a", 0.30, 0.5, 10), score("b", 0.31, 0.4, 50)]) == "b"
    assert recommend([score("a", 0.30, 0.5, 10), score("b", 0.30, 0.6, 50)]) == "b"
    assert recommend([score("a", 0.30, 0.5, 10), score("b", 0.30, 0.5, 50)]) == "a"
    rows = {row["metric"]: row for row in comparison([score("a", 0.3, 0.5, 10), score("b", 0.4, 0.5, 50)])}
    assert rows["map"]["best"] == "b" and rows["latency_ms"]["best"] == "a" and rows["map_small"]["best"] is None


def test_the_comparison_sets_cost_beside_accuracy_lower_being_better() -> None:
    fast = ModelScore("fast", "1", 8, 20.0, {"map": 0.48, "latency_p50_ms": 19.0, "memory_mb": 61.0})
    strong = ModelScore("strong", "1", 8, 50.0, {"map": 0.52, "latency_p50_ms": 48.0, "memory_mb": 108.0})
    unmeasured = ModelScore("unmeasured", "1", 8, 30.0, {"map": 0.4, "latency_p50_ms": 29.0, "memory_mb": None})

    rows = {row["metric"]: row for row in comparison([fast, strong, unmeasured])}

    assert list(rows)[-3:] == ["latency_ms", "latency_p50_ms", "memory_mb"]
    assert rows["map"]["best"] == "strong" and rows["latency_p50_ms"]["best"] == "fast"
    assert rows["memory_mb"]["values"] == {"fast": 61.0, "strong": 108.0, "unmeasured": None}
    assert rows["memory_mb"]["best"] == "fast"
    table = format_comparison([fast, strong, unmeasured]).splitlines()
    memory = next(line for line in table if line.startswith("memory_mb"))
    assert memory.split() == ["memory_mb", "61.0*", "108.0", "n/a"]


def test_the_built_in_ensemble_beats_nanodet_on_the_samples_at_a_cost_the_evaluation_shows(
    storage: Storage, detection_service, samples_dir: Path
) -> None:
    import_samples(storage, samples_dir)
    evaluation = create_evaluation(storage, detection_service, ["nanodet", "nanodet+centernet"], "samples")

    finished = run_evaluation(storage, detection_service, evaluation.id)

    assert finished.status == EvaluationStatus.DONE, finished.error
    nanodet, fused = (EvaluationOut().dump(finished)["results"][i] for i in (0, 1))
    assert fused["metrics"]["map"] > nanodet["metrics"]["map"] + 0.02
    assert finished.recommended_model == "nanodet+centernet"
    # It runs both members, so it takes longer and holds both models' weights.
    assert fused["latency_p50_ms"] > nanodet["latency_p50_ms"] > 0
    assert 20 < nanodet["memory_mb"] < 300 and fused["memory_mb"] > nanodet["memory_mb"] + 20


def test_evaluation_run_stores_results_for_every_model(
    storage: Storage, detection_service, samples_dir: Path, sample_annotations: dict, tmp_path
) -> None:
    # Two photos keep the test quick; the numbers themselves are checked against COCOeval above.
    kept = [entry for entry in sample_annotations["images"] if entry["file_name"] in ("dog.jpg", "horses.jpg")]
    subset = {**sample_annotations, "images": kept}
    subset["annotations"] = [a for a in subset["annotations"] if a["image_id"] in {e["id"] for e in kept}]
    (tmp_path / "two.json").write_text(json.dumps(subset))
    import_coco(storage, tmp_path / "two.json", samples_dir, "two")
    evaluation = create_evaluation(storage, detection_service, ["nanodet", "centernet"], "two")
    assert (evaluation.status, evaluation.progress_total) == (EvaluationStatus.QUEUED, 2)
    with pytest.raises(EvaluationBusyError, match=f"evaluation {evaluation.id} is still queued"):
        create_evaluation(storage, detection_service, ["nanodet"], "two")

    finished = run_evaluation(storage, detection_service, evaluation.id)

    assert finished.status == EvaluationStatus.DONE and finished.progress_done == 2
    results = {result.model_name: result for result in finished.results}
    assert set(results) == {"nanodet", "centernet"}
    for result in results.values():
        assert set(SUMMARY_KEYS) <= set(result.metrics) and 0.2 < result.metrics["map"] <= 1.0
        assert result.image_count == 2 and result.latency_ms > 0 and "horse" in result.metrics["per_class"]
    assert finished.recommended_model == recommend(finished.results)


def test_evaluation_refuses_bad_requests(storage: Storage, detection_service) -> None:
    from sightline.detection.registry import UnknownModelError

    with pytest.raises(UnknownModelError, match="unknown model 'yolo'"):
        create_evaluation(storage, detection_service, ["nanodet", "yolo"], "reviewed")
    with pytest.raises(EvaluationError, match="dataset 'reviewed' has no images"):
        create_evaluation(storage, detection_service, ["nanodet"], "reviewed")
    with pytest.raises(crud.NotFoundError, match="no dataset named 'nope'"):
        create_evaluation(storage, detection_service, ["nanodet"], "nope")
    with pytest.raises(EvaluationError, match="at least one model"):
        create_evaluation(storage, detection_service, [" "], "reviewed")


def test_an_evaluation_cut_off_by_a_restart_is_reported_failed(database_url: str, tmp_path) -> None:
    storage = Storage.open(database_url, tmp_path / "images")
    with storage.writing() as (session, _):
        evaluation = crud.create_evaluation(session=session, dataset="reviewed", models=["nanodet"], image_count=3)
        evaluation.status, evaluation.heartbeat_at = EvaluationStatus.RUNNING, utcnow() - timedelta(minutes=5)
    storage.close()

    restarted = Storage.open(database_url, tmp_path / "images")
    with restarted.sessions() as session:
        reloaded = crud.get_evaluation(session=session, evaluation_id=evaluation.id)
        assert reloaded.status == EvaluationStatus.FAILED and "server stopped" in reloaded.error
    restarted.close()


def test_postgresql_urls_use_psycopg() -> None:
    from sightline.storage.database import make_engine

    engine = make_engine("postgresql://user:secret@db.example/sightline")
    assert engine.dialect.driver == "psycopg"
