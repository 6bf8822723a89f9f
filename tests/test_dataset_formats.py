"""Ultralytics YOLO and Pascal VOC datasets: round trips keep every box and crowd region, and a bad file
is refused whole, naming the problem, before anything is stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from sightline.evaluation import formats
from sightline.evaluation.dataset_checks import DatasetError
from sightline.evaluation.datasets import load_dataset
from sightline.storage.service import Storage
from test_cli_datasets import run_cli  # noqa: F401  (a fixture)
from test_evaluation import MAX_PIXELS, boxes_by_file, import_coco
from test_storage import files_in


@pytest.fixture
def sample_annotations_with_crowds(samples_dir: Path, tmp_path: Path) -> Path:
    """The samples' COCO file with two groups boxed as crowd regions (as in test_evaluation)."""
    import json

    from test_evaluation import with_crowd_regions

    path = tmp_path / "crowded.json"
    path.write_text(json.dumps(with_crowd_regions(json.loads((samples_dir / "annotations.json").read_text()))))
    return path


def store_dataset(storage: Storage, source: Path, name: str, images_dir: Path | None = None) -> None:
    images = formats.read_dataset(source, images_dir, MAX_PIXELS)
    from sightline.evaluation import coco

    with storage.writing() as (session, files):
        coco.import_dataset(session=session, files=files, name=name, images=images)


def export(storage: Storage, name: str, directory: Path, format: str) -> Path:
    with storage.sessions() as session:
        images = load_dataset(session=session, name=name)
    return formats.export_dataset(images, storage.images, directory, format, name)


def assert_same_boxes(ours: dict[str, list], expected: dict[str, list]) -> None:
    """Same photos, and per photo the same labels and crowd flags with boxes within a hundredth of a pixel."""
    assert set(ours) == set(expected)
    for name, rows in expected.items():
        assert [(label, crowd) for label, _, crowd in ours[name]] == [(label, crowd) for label, _, crowd in rows], name
        for (_, box, _), (_, expected_box, _) in zip(ours[name], rows, strict=True):
            assert box == pytest.approx(expected_box, abs=0.01), name


@pytest.mark.parametrize("format", ["yolo", "voc"])
def test_export_import_export_keeps_every_box_and_crowd_region(
    storage: Storage, samples_dir: Path, sample_annotations_with_crowds: Path, tmp_path: Path, format: str
) -> None:
    import_coco(storage, sample_annotations_with_crowds, samples_dir, "samples")
    original = boxes_by_file(storage, "samples")
    assert sum(map(len, original.values())) == 32 and sum(c for rows in original.values() for *_, c in rows) == 2

    first = export(storage, "samples", tmp_path / "first", format)
    store_dataset(storage, first.parent if format == "voc" else first, "again")
    assert_same_boxes(boxes_by_file(storage, "again"), original)
    second = export(storage, "again", tmp_path / "second", format)

    # The second export writes the same files, photos byte for byte.
    written = sorted(p.relative_to(tmp_path / "first") for p in (tmp_path / "first").rglob("*") if p.is_file())
    assert written == sorted(
        p.relative_to(tmp_path / "second") for p in (tmp_path / "second").rglob("*") if p.is_file()
    )
    for relative in written:
        before, after = ((tmp_path / run / relative).read_bytes() for run in ("first", "second"))
        if relative.suffix == ".txt":  # YOLO's fractions of the size, to a millionth: equal to a pixel's hundredth
            assert [float(v) for v in after.split()] == pytest.approx([float(v) for v in before.split()], abs=2e-6)
        else:
            assert before == after, relative
    assert second.name == ("data.yaml" if format == "yolo" else "Annotations")
    assert len(files_in(storage.images)) == 8  # the same photos, stored once


def test_yolo_export_is_what_ultralytics_reads(
    storage: Storage, samples_dir: Path, sample_annotations_with_crowds, tmp_path
) -> None:
    import_coco(storage, sample_annotations_with_crowds, samples_dir, "samples")
    data = yaml.safe_load(export(storage, "samples", tmp_path / "out", "yolo").read_text())
    assert data["path"] == "." and data["train"] == data["val"] == "images"
    assert data["names"][0] == "person" and data["names"][16] == "dog" and len(data["names"]) == 80
    dog = (tmp_path / "out" / "labels" / "dog.txt").read_text().splitlines()
    assert len(dog) == 4 and all(len(line.split()) == 5 for line in dog)
    assert sorted(line.split()[0] for line in dog) == ["1", "16", "3", "7"]  # bicycle, dog, motorcycle, truck
    # The dog, (133, 223) - (307, 540) in pixels, as centre and size in fractions of the 768x576 photo.
    assert [float(v) for v in dog[1].split()[1:]] == pytest.approx([0.286458, 0.662326, 0.226562, 0.550347], abs=1e-6)
    # Crowd regions stay out of the training labels, in crowd/ beside them.
    assert (tmp_path / "out" / "crowd" / "horses.txt").read_text().split()[0] == "17"
    assert (tmp_path / "out" / "images" / "rocket.jpg").is_file() and (
        tmp_path / "out" / "labels" / "rocket.txt"
    ).read_text() == ""


def ultralytics_dataset(root: Path, samples_dir: Path) -> Path:
    """A small dataset in the layout Ultralytics documents: images/{train,val}, labels/{train,val}, a names list."""
    for split, photo in (("train", "dog.jpg"), ("val", "horses.jpg")):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        shutil.copy(samples_dir / photo, root / "images" / split / photo)
    # dog.jpg is 768x576: a bicycle, and a dog at (230.4, 207.36) - (445.44, 541.44) in pixels.
    (root / "labels" / "train" / "dog.txt").write_text("1 0.3 0.52 0.2 0.15\n0 0.44 0.65 0.28 0.58\n")
    (root / "labels" / "val" / "horses.txt").write_text("2 0.5 0.5 0.2 0.2\n")
    names = ["dog", "bicycle", "horse"]
    (root / "data.yaml").write_text(
        yaml.safe_dump({"path": ".", "train": "images/train", "val": "images/val", "names": names})
    )
    return root / "data.yaml"


def test_an_ultralytics_layout_imports_with_its_own_class_ids(
    storage: Storage, samples_dir: Path, tmp_path: Path
) -> None:
    store_dataset(storage, ultralytics_dataset(tmp_path / "pets", samples_dir), "pets")
    boxes = boxes_by_file(storage, "pets")
    assert set(boxes) == {"train/dog.jpg", "val/horses.jpg"}
    assert [label for label, _, _ in boxes["train/dog.jpg"]] == ["bicycle", "dog"]
    assert boxes["train/dog.jpg"][1][1] == pytest.approx([230.4, 207.36, 445.44, 541.44], abs=0.01)
    assert [label for label, _, _ in boxes["val/horses.jpg"]] == ["horse"]


def voc_dataset(root: Path, samples_dir: Path) -> Path:
    """A VOC folder in VOC's own spellings (an aeroplane and a sofa are COCO's airplane and couch), its pixels
    numbered from 1: the aeroplane covers Sightline's (10, 20) - (110, 90)."""
    (root / "Annotations").mkdir(parents=True)
    (root / "JPEGImages").mkdir()
    shutil.copy(samples_dir / "dog.jpg", root / "JPEGImages" / "dog.jpg")
    (root / "Annotations" / "dog.xml").write_text(
        "<annotation><filename>dog.jpg</filename><size><width>768</width><height>576</height><depth>3</depth></size>"
        "<object><name>aeroplane</name><difficult>0</difficult><bndbox><xmin>11</xmin><ymin>21</ymin>"
        "<xmax>110</xmax><ymax>90</ymax></bndbox></object>"
        "<object><name>sofa</name><difficult>1</difficult><bndbox><xmin>301</xmin><ymin>201</ymin>"
        "<xmax>768</xmax><ymax>576</ymax></bndbox></object></annotation>"
    )
    return root


def test_voc_names_and_difficult_objects(storage: Storage, samples_dir: Path, tmp_path: Path) -> None:
    store_dataset(storage, voc_dataset(tmp_path / "voc", samples_dir), "voc")
    assert boxes_by_file(storage, "voc") == {
        "dog.jpg": [("airplane", [10, 20, 110, 90], False), ("couch", [300, 200, 768, 576], True)]
    }


def _break_yolo(root: Path, problem: str) -> None:
    data = root / "data.yaml"
    if problem == "not yaml":
        data.write_text("names: [dog, bicycle\ntrain: images/train")
    elif problem == "no names":
        data.write_text(yaml.safe_dump({"train": "images/train"}))
    elif problem == "missing folder":
        data.write_text(yaml.safe_dump({"train": "images/training", "names": ["dog"]}))
    elif problem == "unknown class":
        data.write_text(
            yaml.safe_dump(
                {"path": ".", "train": "images/train", "val": "images/val", "names": ["wolf", "bicycle", "horse"]}
            )
        )
    elif problem == "class out of range":
        (root / "labels" / "val" / "horses.txt").write_text("7 0.5 0.5 0.2 0.2\n")
    elif problem == "four values":
        (root / "labels" / "train" / "dog.txt").write_text("1 0.3 0.52 0.2 0.15\n0 0.44 0.65 0.28\n")
    elif problem == "not numbers":
        (root / "labels" / "val" / "horses.txt").write_text("2 0.5 half 0.2 0.2\n")
    elif problem == "outside":
        (root / "labels" / "val" / "horses.txt").write_text("2 0.95 0.5 0.2 0.2\n")
    elif problem == "in pixels":
        (root / "labels" / "val" / "horses.txt").write_text("2 300 200 100 80\n")
    elif problem == "empty box":
        (root / "labels" / "val" / "horses.txt").write_text("2 0.5 0.5 0 0.2\n")
    elif problem == "label without image":
        (root / "labels" / "train" / "cat.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    elif problem == "not an image":
        (root / "images" / "val" / "horses.jpg").write_bytes(b"not a photo")


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("not yaml", "data.yaml is not valid YAML"),
        ("no names", "data.yaml: 'names' must be a list of class names or a mapping"),
        ("missing folder", "data.yaml: 'train' folder .*images/training does not exist"),
        ("unknown class", "data.yaml: unknown class 'wolf'"),
        ("class out of range", r"labels/val/horses.txt line 1: class 7 is not in 'names' \(0..2\)"),
        ("four values", "labels/train/dog.txt line 2: 4 values; a box is 'class x_center y_center width height'"),
        ("not numbers", "labels/val/horses.txt line 1: '2 0.5 half 0.2 0.2' is not a class number and four numbers"),
        ("outside", "labels/val/horses.txt line 1: the box lies outside the image"),
        ("in pixels", r"labels/val/horses.txt line 1: the box lies outside the image \(coordinates are fractions"),
        ("empty box", "labels/val/horses.txt line 1: the box needs a width and height above 0"),
        ("label without image", "1 label file with no image: labels/train/cat.txt"),
        ("not an image", "horses.jpg: "),
    ],
)
def test_a_bad_yolo_dataset_names_the_problem_and_stores_nothing(
    run_cli,  # noqa: F811
    samples_dir: Path,
    tmp_path: Path,
    problem: str,
    message: str,
) -> None:
    data = ultralytics_dataset(tmp_path / "pets", samples_dir)
    _break_yolo(tmp_path / "pets", problem)
    with pytest.raises(DatasetError, match=message):
        formats.read_dataset(data, None, MAX_PIXELS)

    code, out, err = run_cli("dataset", "import", str(data))
    assert code == 1 and out == "" and err.startswith("sightline: error: ") and err.count("\n") == 1
    assert run_cli("dataset", "list")[1].split() == ["reviewed", "0", "images"]
    assert not list((tmp_path / "var").rglob("*.jpg"))  # no photo file kept either


def _break_voc(root: Path, problem: str) -> None:
    xml = root / "Annotations" / "dog.xml"
    text = xml.read_text()
    if problem == "not xml":
        xml.write_text(text[:-10])
    elif problem == "no filename":
        xml.write_text(text.replace("<filename>dog.jpg</filename>", ""))
    elif problem == "missing image":
        xml.write_text(text.replace("dog.jpg", "cat.jpg"))
    elif problem == "size mismatch":
        xml.write_text(text.replace("<width>768</width>", "<width>700</width>"))
    elif problem == "unknown class":
        xml.write_text(text.replace("aeroplane", "wolf"))
    elif problem == "no name":
        xml.write_text(text.replace("<name>sofa</name>", ""))
    elif problem == "not a number":
        xml.write_text(text.replace("<xmin>11</xmin>", "<xmin>ten</xmin>"))
    elif problem == "outside":
        xml.write_text(text.replace("<xmax>768</xmax>", "<xmax>800</xmax>"))
    elif problem == "upside down":
        xml.write_text(text.replace("<ymin>21</ymin>", "<ymin>95</ymin>"))
    elif problem == "difficult yes":
        xml.write_text(text.replace("<difficult>1</difficult>", "<difficult>yes</difficult>"))
    elif problem == "escaping name":
        xml.write_text(text.replace("<filename>dog.jpg</filename>", "<filename>../dog.jpg</filename>"))


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("not xml", "dog.xml is not valid XML"),
        ("no filename", "dog.xml: <filename> is missing"),
        ("missing image", "1 image file missing from .*JPEGImages: cat.jpg"),
        ("size mismatch", "dog.jpg is 768x576 but dog.xml says 700x576"),
        ("unknown class", "unknown class 'wolf'"),
        ("no name", "dog.xml: object 2 has no <name>"),
        ("not a number", "dog.xml: object 1: <bndbox/xmin> must be a number, not 'ten'"),
        (
            "outside",
            r"dog.xml: object 2 \(sofa\): box \(301, 201\) - \(800, 576\) is empty or lies outside the 768x576",
        ),
        ("upside down", r"dog.xml: object 1 \(aeroplane\): box \(11, 95\) - \(110, 90\) is empty"),
        ("difficult yes", "dog.xml: object 2: <difficult> must be 0 or 1, not 'yes'"),
        ("escaping name", "dog.xml: <filename> '../dog.jpg' must be relative to the images folder"),
    ],
)
def test_a_bad_voc_dataset_names_the_problem_and_stores_nothing(
    run_cli,  # noqa: F811
    samples_dir: Path,
    tmp_path: Path,
    problem: str,
    message: str,
) -> None:
    root = voc_dataset(tmp_path / "voc", samples_dir)
    _break_voc(root, problem)
    with pytest.raises(DatasetError, match=message):
        formats.read_dataset(root, None, MAX_PIXELS)

    code, out, err = run_cli("dataset", "import", str(root))
    assert code == 1 and out == "" and err.startswith("sightline: error: ") and err.count("\n") == 1
    assert run_cli("dataset", "list")[1].split() == ["reviewed", "0", "images"]


def test_cli_exports_and_imports_each_format(run_cli, samples_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    assert run_cli("dataset", "import", str(samples_dir / "annotations.json"), str(samples_dir), "--name", "s")[0] == 0
    for format, source in (("yolo", "data.yaml"), ("voc", "Annotations")):
        code, out, err = run_cli("dataset", "export", str(tmp_path / format), "--dataset", "s", "--format", format)
        assert (code, out.strip()) == (0, f"{tmp_path / format / source}: 8 images, 36 boxes"), err
        imported = tmp_path / format / "data.yaml" if format == "yolo" else tmp_path / format
        code, out, err = run_cli("dataset", "import", str(imported), "--name", f"s-{format}")
        assert (code, out.strip()) == (0, f"dataset s-{format}: 8 images, 36 boxes"), err
    # An export never writes into a folder that already holds files.
    code, _, err = run_cli("dataset", "export", str(tmp_path / "voc"), "--dataset", "s", "--format", "voc")
    assert code == 1 and "already exists and is not an empty folder" in err


def test_supervision_reads_our_exports_box_for_box(storage: Storage, samples_dir: Path, tmp_path: Path) -> None:
    """roboflow/supervision's own YOLO and VOC loaders, an independent reader, find the boxes we wrote."""
    import supervision as sv  # a test dependency (pyproject dev), never one of the server's

    import_coco(storage, samples_dir / "annotations.json", samples_dir, "samples")
    expected = boxes_by_file(storage, "samples")
    export(storage, "samples", tmp_path / "yolo", "yolo")
    export(storage, "samples", tmp_path / "voc", "voc")

    yolo = sv.DetectionDataset.from_yolo(
        images_directory_path=str(tmp_path / "yolo" / "images"),
        annotations_directory_path=str(tmp_path / "yolo" / "labels"),
        data_yaml_path=str(tmp_path / "yolo" / "data.yaml"),
    )
    voc = sv.DetectionDataset.from_pascal_voc(
        images_directory_path=str(tmp_path / "voc" / "JPEGImages"),
        annotations_directory_path=str(tmp_path / "voc" / "Annotations"),
    )
    for dataset in (yolo, voc):
        read = {}
        for image_path, _, detections in dataset:
            labels = [dataset.classes[i] for i in detections.class_id]
            read[Path(image_path).name] = sorted(zip(labels, detections.xyxy.tolist(), strict=True))
        assert set(read) == set(expected)
        for name, rows in expected.items():
            assert [label for label, _ in read[name]] == [label for label, _, _ in rows], name
            for (_, box), (_, expected_box, _) in zip(read[name], rows, strict=True):
                assert box == pytest.approx(expected_box, abs=0.5), name  # supervision rounds VOC to whole pixels
