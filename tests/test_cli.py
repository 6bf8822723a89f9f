"""The `sightline` command as a user runs it: results on stdout, one-line errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from sightline.cli import main


@pytest.fixture
def run_cli(models_dir, capsys):
    """Run `sightline ARGS` in-process against the test weights; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(models_dir.parent), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_detect_json_finds_the_dog(run_cli, samples_dir) -> None:
    code, out, err = run_cli("detect", str(samples_dir / "dog.jpg"), "--json")

    assert code == 0, err
    record = json.loads(out)
    assert record["image"].endswith("dog.jpg")
    assert (record["width"], record["height"], record["model"]) == (768, 576, "nanodet")
    labels = [item["label"] for item in record["detections"]]
    assert {"dog", "bicycle"} <= set(labels)
    dog = next(item for item in record["detections"] if item["label"] == "dog")
    # The dog sits in the lower-left of the photo.
    assert dog["box"]["x1"] < 250 and dog["box"]["y1"] > 150 and dog["box"]["x2"] < 450 and dog["score"] > 0.3


def test_detect_filters_classes_and_count(run_cli, samples_dir) -> None:
    code, out, _ = run_cli(
        "detect", str(samples_dir / "horses.jpg"), "--json", "--classes", "horse", "--max-detections", "2"
    )

    detections = json.loads(out)["detections"]
    assert code == 0 and len(detections) == 2 and {d["label"] for d in detections} == {"horse"}
    assert detections[0]["score"] >= detections[1]["score"]


def test_detect_prints_a_table_and_draws(run_cli, samples_dir, tmp_path) -> None:
    drawn = tmp_path / "out.png"
    code, out, _ = run_cli("detect", str(samples_dir / "person.jpg"), "--draw", str(drawn))

    assert code == 0
    assert "person" in out and "640x424" in out
    with Image.open(drawn) as image:
        assert image.size == (640, 424)


def test_several_images_one_json_line_each(run_cli, samples_dir, tmp_path) -> None:
    paths = [str(samples_dir / name) for name in ("dog.jpg", "horses.jpg")]
    code, out, _ = run_cli("detect", *paths, "--json", "--draw", str(tmp_path / "drawn"))

    lines = out.strip().splitlines()
    assert code == 0 and [json.loads(line)["image"] for line in lines] == paths
    assert sorted(p.name for p in (tmp_path / "drawn").iterdir()) == [
        "dog.detections.png",
        "horses.detections.png",
    ]


def test_models_lists_the_builtin_models_and_their_int8_variants(run_cli) -> None:
    code, out, _ = run_cli("models", "--json")

    models = {m["name"]: m for m in json.loads(out)}
    assert code == 0 and set(models) == {"nanodet", "centernet", "nanodet-int8", "centernet-int8", "nanodet+centernet"}
    assert not models["nanodet-int8"]["default"] and models["nanodet-int8"]["input_size"] == [416, 416]
    assert models["nanodet+centernet"]["members"] == ["nanodet", "centernet"]
    assert models["nanodet"]["default"] and models["nanodet"]["input_size"] == [416, 416]
    assert models["centernet"]["input_size"] == [512, 512] and len(models["centernet"]["classes"]) == 80


def _not_an_image(tmp_path: Path) -> Path:
    path = tmp_path / "notes.jpg"
    path.write_text("just text")
    return path


def _truncated(tmp_path: Path, samples_dir: Path) -> Path:
    path = tmp_path / "half.jpg"
    data = (samples_dir / "dog.jpg").read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp, samples: ["detect", str(tmp / "missing.jpg")], "missing.jpg: no such file"),
        (lambda tmp, samples: ["detect", str(_not_an_image(tmp))], "not an image"),
        (lambda tmp, samples: ["detect", str(_truncated(tmp, samples))], "truncated or corrupt"),
        (
            lambda tmp, samples: ["detect", str(samples / "dog.jpg"), "--model", "yolo"],
            "unknown model 'yolo'",
        ),
        (
            lambda tmp, samples: ["detect", str(samples / "dog.jpg"), "--classes", "dgo"],
            "unknown class 'dgo'",
        ),
    ],
)
def test_bad_input_gives_one_line_error(run_cli, tmp_path, samples_dir, make_args, message) -> None:
    code, _, err = run_cli(*make_args(tmp_path, samples_dir))

    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--score-threshold", "1.5"], "outside 0..1"),
        (["--iou-threshold", "abc"], "not a number"),
        (["--max-detections", "0"], "not a positive integer"),
    ],
)
def test_bad_thresholds_are_usage_errors(run_cli, samples_dir, capsys, args, message) -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli("detect", str(samples_dir / "dog.jpg"), *args)
    err = capsys.readouterr().err

    assert exited.value.code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_one_bad_image_does_not_stop_the_others(run_cli, samples_dir, tmp_path) -> None:
    code, out, err = run_cli("detect", str(tmp_path / "nope.png"), str(samples_dir / "dog.jpg"), "--json")

    assert code == 1 and "nope.png: no such file" in err
    assert json.loads(out)["image"].endswith("dog.jpg")


def test_installed_command_runs_as_a_process(models_dir, samples_dir) -> None:
    env = {**os.environ, "SIGHTLINE_DATA_DIR": str(models_dir.parent)}
    command = [sys.executable, "-m", "sightline.cli"]
    ok = subprocess.run(
        [*command, "detect", str(samples_dir / "dog.jpg"), "--json"], capture_output=True, text=True, env=env
    )
    bad = subprocess.run([*command, "detect", "/no/such/photo.jpg"], capture_output=True, text=True, env=env)

    assert ok.returncode == 0 and json.loads(ok.stdout)["detections"]
    assert bad.returncode == 1 and bad.stderr == "sightline: error: /no/such/photo.jpg: no such file\n"
