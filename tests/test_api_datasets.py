"""Datasets through the real server, on SQLite and PostgreSQL: import a zip archive, export one, and bad archives.

A user sends a zip of COCO, YOLO or VOC files; the server checks all of it before storing any of
it, and a download is the same files `sightline dataset export` writes, as one zip.
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import requests
import yaml

from sightline.evaluation import archives
from test_api_server import error_of
from test_ground_truth import DRAWN_CAT, PAGE_PARAMS, SHOWN_SCORE

FORMATS = ("coco", "yolo", "voc")


def zip_of(files: dict[str, bytes | str], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)
        for name, target in (symlinks or {}).items():
            entry = zipfile.ZipInfo(name)
            entry.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(entry, target)
    return buffer.getvalue()


def samples_archive(samples_dir: Path, names: tuple[str, ...] = ("dog.jpg", "horses.jpg", "person.jpg")) -> bytes:
    """A COCO archive (annotations.json + images/) of some of the hand-labelled sample photos."""
    document = json.loads((samples_dir / "annotations.json").read_text())
    document["images"] = [entry for entry in document["images"] if entry["file_name"] in names]
    ids = {entry["id"] for entry in document["images"]}
    document["annotations"] = [a for a in document["annotations"] if a["image_id"] in ids]
    files = {f"images/{name}": (samples_dir / name).read_bytes() for name in names}
    return zip_of({"annotations.json": json.dumps(document), **files})


def import_archive(server, archive: bytes, file_name: str = "dataset.zip", **form: str) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/datasets",
        data=form,
        files={"archive": (file_name, archive, "application/zip")},
        timeout=120,
    )


def export_archive(server, name: str, format: str) -> zipfile.ZipFile:
    response = requests.get(f"{server.url}/api/v1/datasets/{name}/archive", params={"format": format}, timeout=120)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/zip"
    assert f"filename={name.replace(' ', '-')}-{format}.zip" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def boxes_of(server, name: str) -> dict[str, list[tuple[str, tuple[float, ...], bool]]]:
    """Each photo's boxes in dataset NAME, read from its COCO export: (label, x1 y1 x2 y2 rounded, crowd)."""
    document = json.loads(export_archive(server, name, "coco").read("annotations.json"))
    names = {category["id"]: category["name"] for category in document["categories"]}
    files = {image["id"]: image["file_name"] for image in document["images"]}
    boxes: dict[str, list] = {file_name: [] for file_name in files.values()}
    for annotation in document["annotations"]:
        x, y, w, h = annotation["bbox"]
        corners = tuple(round(value, 1) for value in (x, y, x + w, y + h))
        boxes[files[annotation["image_id"]]].append(
            (names[annotation["category_id"]], corners, bool(annotation["iscrowd"]))
        )
    return {file_name: sorted(found) for file_name, found in boxes.items()}


def listed(server) -> dict[str, int]:
    page = requests.get(f"{server.url}/api/v1/datasets", timeout=30).json()
    return {item["name"]: item["images"] for item in page["items"]}


def test_every_format_round_trips_every_box_through_the_api(start_server, samples_dir: Path) -> None:
    server = start_server()
    archive = samples_archive(samples_dir)
    sent = len(json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("annotations.json"))["annotations"])
    created = import_archive(server, archive, "pets.zip")
    assert created.status_code == 201, created.text
    assert created.json() == {"name": "pets", "format": "coco", "images": 3, "boxes": sent, "crowd_regions": 0}
    original = boxes_of(server, "pets")
    assert sum(len(found) for found in original.values()) == sent

    for format in FORMATS:
        exported = export_archive(server, "pets", format)
        written = set(exported.namelist())
        expected = {
            "coco": {"annotations.json", "images/dog.jpg"},
            "yolo": {"data.yaml", "images/dog.jpg", "labels/dog.txt"},
            "voc": {"Annotations/dog.xml", "JPEGImages/dog.jpg"},
        }[format]
        assert expected <= written, written
        again = import_archive(server, exported.fp.getvalue(), f"pets-{format}.zip", name=f"pets again {format}")
        assert again.status_code == 201, again.text
        assert again.json()["format"] == format  # detected from the archive's files
        assert boxes_of(server, f"pets again {format}") == original, format

    assert listed(server) == {"reviewed": 0, "pets": 3, **{f"pets again {format}": 3 for format in FORMATS}}
    started = requests.post(
        f"{server.url}/api/v1/evaluations", json={"models": ["nanodet"], "dataset": "pets again yolo"}, timeout=30
    )
    assert started.status_code == 202, started.text


def test_the_reviewed_photos_export_as_their_judged_and_drawn_boxes(start_server, photos) -> None:
    server = start_server()
    kept = requests.post(
        f"{server.url}/api/v1/images", params=PAGE_PARAMS, files={"image": ("dog.jpg", photos["dog"])}, timeout=60
    ).json()
    shown = [d for d in kept["predictions"][0]["detections"] if d["score"] >= SHOWN_SCORE]
    saved = requests.post(
        f"{server.url}/api/v1/images/{kept['id']}/feedback",
        json={
            "detections": [{"detection_id": d["id"], "verdict": "correct"} for d in shown],
            "missed": [DRAWN_CAT],
            "reviewed": True,
            "score_threshold": SHOWN_SCORE,
        },
        timeout=30,
    )
    assert saved.status_code == 200, saved.text

    exported = export_archive(server, "reviewed", "yolo")
    [labels] = [name for name in exported.namelist() if name.startswith("labels/")]
    lines = exported.read(labels).decode().splitlines()
    assert len(lines) == len(shown) + 1
    names = yaml.safe_load(exported.read("data.yaml"))["names"]
    assert sorted(names[int(line.split()[0])] for line in lines) == sorted([d["label"] for d in shown] + ["cat"])


def _yolo_archive(samples_dir: Path, label_lines: str, names: list[str] | None = None) -> bytes:
    return zip_of(
        {
            "data.yaml": yaml.safe_dump({"path": ".", "train": "images", "names": names or ["person", "dog"]}),
            "images/dog.jpg": (samples_dir / "dog.jpg").read_bytes(),
            "labels/dog.txt": label_lines,
        }
    )


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("annotations.json", "{}")
        with bundle.open("images/huge.jpg", "w", force_zip64=True) as entry:
            chunk = bytes(1 << 20)
            for _ in range(archives.MAX_UNPACKED_BYTES // len(chunk) + 1):
                entry.write(chunk)
    return buffer.getvalue()


def _too_many_entries() -> bytes:
    return zip_of({f"images/{number}.txt": "" for number in range(archives.MAX_ENTRIES + 1)})


def _without(archive: bytes, name: str) -> bytes:
    whole = zipfile.ZipFile(io.BytesIO(archive))
    return zip_of({entry: whole.read(entry) for entry in whole.namelist() if entry != name})


def test_a_bad_archive_stores_nothing_and_names_the_problem(start_server, samples_dir: Path) -> None:
    dog = (samples_dir / "dog.jpg").read_bytes()
    coco_files = {"annotations.json": "{}"}
    cases = [  # what is sent, the status, error code and words expected
        (zip_of({**coco_files, "../evil.txt": "x"}), 422, "invalid_dataset", "entry '../evil.txt' points outside"),
        (zip_of({**coco_files, "/etc/evil.txt": "x"}), 422, "invalid_dataset", "entry '/etc/evil.txt' points outside"),
        (
            zip_of(coco_files, {"images/dog.jpg": "/etc/passwd"}),
            422,
            "invalid_dataset",
            "'images/dog.jpg' is a symbolic link",
        ),
        (_bomb(), 422, "invalid_dataset", "the archive unpacks to more than 500 MB"),
        (_too_many_entries(), 422, "invalid_dataset", "the archive has 10001 entries; at most 10000 are accepted"),
        (
            _yolo_archive(samples_dir, "1 0.5 0.5 0.2 0.2\n1 0.5 0.5\n"),
            422,
            "invalid_dataset",
            "labels/dog.txt line 2: 3 values",
        ),
        (
            _yolo_archive(samples_dir, "1 0.5 0.5 0.2 0.2\n", ["person", "unicorn"]),
            422,
            "invalid_dataset",
            "data.yaml: unknown class 'unicorn'",
        ),
        (dog, 422, "invalid_dataset", "the file is not a zip archive"),
        (zip_of({"images/dog.jpg": dog}), 422, "invalid_dataset", "the archive should hold annotations.json"),
        (
            _without(samples_archive(samples_dir, ("dog.jpg", "horses.jpg")), "images/horses.jpg"),
            422,
            "invalid_dataset",
            "1 image file missing from images: horses.jpg",
        ),
        (samples_archive(samples_dir, ("dog.jpg",)), 409, "dataset_exists", "a dataset named 'pets' already exists"),
    ]
    server = start_server()
    assert import_archive(server, samples_archive(samples_dir, ("dog.jpg",)), "pets.zip").status_code == 201
    before = listed(server)
    for archive, status, code, words in cases:
        response = import_archive(server, archive, "pets.zip" if code == "dataset_exists" else "new.zip")
        assert response.status_code == status, (words, response.text)
        error = error_of(response)
        assert (error["code"], words in error["message"]) == (code, True), (words, error)
        assert "sightline-import-" not in error["message"]  # the server's temporary folder is never named
        assert listed(server) == before
        stored = requests.get(f"{server.url}/api/v1/images", params={"source": "datasets"}, timeout=30).json()
        assert stored["total"] == 1, words

    missing = requests.post(f"{server.url}/api/v1/datasets", files={"other": ("a.zip", b"a")}, timeout=30)
    assert (missing.status_code, error_of(missing)["code"]) == (400, "missing_archive")
