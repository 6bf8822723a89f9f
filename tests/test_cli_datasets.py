"""`sightline dataset` and `sightline eval` as a user runs them, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sightline.cli import main
from test_ground_truth import judge_shown_boxes, keep

# Around the two leftmost horses of horses.jpg: [x, y, width, height].
CROWD_REGION = [0, 187, 315, 222]


@pytest.fixture
def run_cli(models_dir: Path, database_url: str, tmp_path: Path, capsys, monkeypatch):
    """Run `sightline ARGS` with a fresh data folder and database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("SIGHTLINE_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("SIGHTLINE_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(tmp_path / "var"), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def two_photos(samples_dir: Path, tmp_path: Path) -> Path:
    """A COCO file with two of the sample photos (dog and horses), pointing into samples/.

    The two leftmost horses are boxed together as one crowd region.
    """
    document = json.loads((samples_dir / "annotations.json").read_text())
    document["images"] = [entry for entry in document["images"] if entry["file_name"] in ("dog.jpg", "horses.jpg")]
    ids = {entry["id"] for entry in document["images"]}
    document["annotations"] = [a for a in document["annotations"] if a["image_id"] in ids and a["id"] != 6]
    document["annotations"][4].update(bbox=CROWD_REGION, area=CROWD_REGION[2] * CROWD_REGION[3], iscrowd=1)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(document))
    return path


def test_import_evaluate_and_export_round_trip(run_cli, two_photos: Path, samples_dir: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("dataset", "import", str(two_photos), str(samples_dir), "--name", "pets")
    assert (code, out.strip()) == (0, "dataset pets: 2 images, 8 boxes (1 crowd region)"), err

    code, out, err = run_cli("eval", "--models", "nanodet,centernet", "--dataset", "pets")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("evaluation 1: dataset pets, 2 images")
    assert lines[1].split() == ["metric", "nanodet", "centernet"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:-1]}
    assert set(rows) >= {"map", "map_50", "map_75", "map_small", "mar_100", "latency_ms"}
    assert all(0.0 <= float(value.rstrip("*")) <= 1.0 for value in rows["map"])
    assert lines[-1].startswith("recommended: ") and lines[-1].split()[1] in ("nanodet", "centernet")
    points = [line for line in lines if line.startswith("operating point ")]
    assert [line.split()[2] for line in points] == ["nanodet:", "centernet:"]
    assert all(" precision 0." in line or " precision 1." in line for line in points)
    truth = [line for line in lines if line.startswith("truth boxes for ")]
    assert truth == [
        f"truth boxes for {model}: 0 its own predictions, 0 from other models, 0 drawn, 8 imported (8 in all)"
        for model in ("nanodet", "centernet")
    ]
    assert not [line for line in lines if line.startswith("warning: ")]  # imported truth favours no one
    assert "2/2 images" in err

    code, out, err = run_cli("dataset", "export", str(tmp_path / "out"), "--dataset", "pets")
    exported = tmp_path / "out" / "annotations.json"
    assert (code, out.strip()) == (0, f"{exported}: 2 images, 8 boxes (1 crowd region)"), err
    assert [a["bbox"] for a in json.loads(exported.read_text())["annotations"] if a["iscrowd"]] == [CROWD_REGION]
    code, out, err = run_cli("dataset", "import", str(exported), str(tmp_path / "out" / "images"))
    assert (code, out.strip()) == (0, "dataset out: 2 images, 8 boxes (1 crowd region)"), err

    code, out, _ = run_cli("dataset", "list")
    assert out.split() == ["reviewed", "0", "images", "out", "2", "images", "pets", "2", "images"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("eval", "--models", "nanodet,yolo"), "unknown model 'yolo'; known models: nanodet, centernet"),
        (("eval", "--models", "nanodet"), "dataset 'reviewed' has no images"),
        (("eval", "--models", "nanodet", "--dataset", "nope"), "no dataset named 'nope' (known datasets: reviewed)"),
        (("dataset", "export", "OUT"), "dataset 'reviewed' has no images"),
        (("dataset", "import", "missing.json", "."), "missing.json: no such file"),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(run_cli, tmp_path: Path, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(*args)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("sightline: error: ") and message in err


def test_a_bad_import_fails_with_the_problem_and_stores_nothing(run_cli, two_photos: Path, samples_dir: Path) -> None:
    document = json.loads(two_photos.read_text())
    document["annotations"][0]["category_id"] = 500
    two_photos.write_text(json.dumps(document))

    code, _, err = run_cli("dataset", "import", str(two_photos), str(samples_dir), "--name", "pets")
    assert code == 1 and "annotation 1 has category_id 500, which is not in 'categories'" in err
    code, out, _ = run_cli("dataset", "list")
    assert out.split() == ["reviewed", "0", "images"]


@pytest.fixture
def photo_in_a_sub_folder(two_photos: Path, samples_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The two-photo COCO file with the dog under `sub/`, as datasets kept in folders name their files."""
    images_dir = tmp_path / "photos"
    (images_dir / "sub").mkdir(parents=True)
    (images_dir / "sub" / "dog.jpg").write_bytes((samples_dir / "dog.jpg").read_bytes())
    (images_dir / "horses.jpg").write_bytes((samples_dir / "horses.jpg").read_bytes())
    document = json.loads(two_photos.read_text())
    for entry in document["images"]:
        if entry["file_name"] == "dog.jpg":
            entry["file_name"] = "sub/dog.jpg"
    two_photos.write_text(json.dumps(document))
    return two_photos, images_dir


def test_export_keeps_the_sub_folders_of_imported_file_names(run_cli, photo_in_a_sub_folder, tmp_path: Path) -> None:
    annotations, images_dir = photo_in_a_sub_folder
    assert run_cli("dataset", "import", str(annotations), str(images_dir), "--name", "pets")[0] == 0

    code, _, err = run_cli("dataset", "export", str(tmp_path / "out"), "--dataset", "pets")
    assert code == 0, err
    exported = json.loads((tmp_path / "out" / "annotations.json").read_text())
    assert sorted(entry["file_name"] for entry in exported["images"]) == ["horses.jpg", "sub/dog.jpg"]
    assert (tmp_path / "out" / "images" / "sub" / "dog.jpg").read_bytes() == (
        images_dir / "sub" / "dog.jpg"
    ).read_bytes()
    code, out, err = run_cli(
        "dataset", "import", str(tmp_path / "out" / "annotations.json"), str(tmp_path / "out" / "images")
    )
    assert (code, out.strip()) == (0, "dataset out: 2 images, 8 boxes (1 crowd region)"), err


def test_an_export_that_fails_part_way_leaves_no_folder(
    run_cli, two_photos: Path, samples_dir: Path, tmp_path: Path
) -> None:
    assert run_cli("dataset", "import", str(two_photos), str(samples_dir), "--name", "pets")[0] == 0
    stored = sorted((tmp_path / "var" / "images").glob("??/*"))
    assert len(stored) == 2
    stored[-1].unlink()  # the second photo's file is gone: the export cannot finish

    code, out, err = run_cli("dataset", "export", str(tmp_path / "exports" / "pets"), "--dataset", "pets")
    assert code == 1 and out == "" and "is missing from" in err
    assert list((tmp_path / "exports").iterdir()) == []


def test_export_refuses_a_folder_that_already_holds_files(
    run_cli, two_photos: Path, samples_dir: Path, tmp_path: Path
) -> None:
    assert run_cli("dataset", "import", str(two_photos), str(samples_dir), "--name", "pets")[0] == 0
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")

    code, _, err = run_cli("dataset", "export", str(tmp_path / "out"), "--dataset", "pets")
    assert code == 1 and "already exists and is not an empty folder" in err
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_eval_says_where_the_truth_came_from_and_warns_when_one_model_seeded_it(
    run_cli, api_settings, database_url: str, photos, tmp_path: Path
) -> None:
    from sightline.api import create_app

    # A photo kept from the Detect page and reviewed there: its truth is NanoDet's boxes the reviewer judged.
    app = create_app(
        api_settings, database_url=database_url, images_dir=tmp_path / "var" / "images", log_file=tmp_path / "log"
    )
    client = app.test_client()
    judge_shown_boxes(client, keep(client, photos["dog"]))

    code, out, err = run_cli("eval", "--models", "nanodet,centernet")

    assert code == 0, err
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("truth boxes for ")] == [
        "truth boxes for nanodet: 6 its own predictions, 0 from other models, 1 drawn, 0 imported (7 in all)",
        "truth boxes for centernet: 0 its own predictions, 6 from other models, 1 drawn, 0 imported (7 in all)",
    ]
    (warning,) = [line for line in lines if line.startswith("warning: ")]
    assert "86% of the truth boxes are nanodet's own predictions" in warning and "imported dataset" in warning
    assert lines[-1].startswith("recommended: ")
