"""A missing or different database never costs a photo file, on SQLite and PostgreSQL, folder and bucket.

Files the database does not know are quarantined (moved aside, restorable), a start with photos but
an empty database is refused with what to do, and `sightline storage check` / `reconcile` mend it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from database_fixtures import IMAGE_STORES
from sightline.cli import main
from sightline.storage.service import Storage, UnknownPhotosError
from sightline.storage.transaction import recover_files
from test_api_storage_faults import small_photo, upload
from test_storage import files_in, jpeg_bytes, store_photo

on_both_image_stores = pytest.mark.parametrize("images_url", IMAGE_STORES, indirect=True)


@on_both_image_stores
def test_files_the_database_does_not_know_are_quarantined_and_restorable(storage: Storage, caplog) -> None:
    store_photo(storage, jpeg_bytes((9, 9, 9)))
    orphan = storage.images.stage(jpeg_bytes((7, 8, 9)))
    storage.images.publish(orphan)

    with storage.sessions() as session:
        assert recover_files(session, storage.images) == 1
    assert not storage.images.exists(orphan.sha256)
    assert list(storage.images.quarantined()) == [orphan.sha256]
    assert orphan.sha256 in files_in(storage.images)  # moved, not deleted
    assert f"photo {orphan.sha256} has no row in the database: moved to" in caplog.text

    assert storage.images.restore(orphan.sha256)
    assert storage.images.read(orphan.sha256) == jpeg_bytes((7, 8, 9))
    assert list(storage.images.quarantined()) == []


@on_both_image_stores
def test_a_start_with_photos_but_an_empty_database_is_refused_and_nothing_moves(
    storage: Storage, database_url: str, images_url: str, tmp_path: Path, postgres_server
) -> None:
    store_photo(storage, jpeg_bytes((1, 1, 1)))
    store_photo(storage, jpeg_bytes((2, 2, 2)))
    before = files_in(storage.images)
    other_database = f"sqlite:///{tmp_path / 'mistyped.db'}"

    with pytest.raises(UnknownPhotosError, match="reconcile --adopt"):
        Storage.open(other_database, tmp_path / "images", images_url)
    assert files_in(storage.images) == before


def test_storage_check_and_reconcile_adopt_the_photos_of_a_lost_database(
    run_storage_cli, tmp_path: Path, monkeypatch
) -> None:
    run, database_url = run_storage_cli
    storage = Storage.open(database_url, tmp_path / "var" / "images")
    store_photo(storage, jpeg_bytes((3, 3, 3)))
    storage.close()
    monkeypatch.setenv("SIGHTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")

    code, out, err = run("dataset", "list")
    assert code == 1 and "holds photos but the database" in err and "storage reconcile --adopt" in err
    code, out, _ = run("storage", "check")
    assert code == 1 and out.splitlines()[0] == "0 photos in the database, 1 photo files, 0 in quarantine"
    assert "no row for file" in out

    code, out, _ = run("storage", "reconcile", "--adopt")
    assert code == 0 and out.startswith("adopted ") and "JPEG 64x48" in out
    assert run("storage", "check")[:2] == (0, "1 photos in the database, 1 photo files, 0 in quarantine\n")
    assert run("dataset", "list")[0] == 0


def test_reconcile_adopts_a_sideways_tiff_at_its_upright_size(run_storage_cli, tmp_path: Path, monkeypatch) -> None:
    # Stored 64x48 with the TIFF orientation (6) that shows it 48x64, as the detector measured it.
    run, database_url = run_storage_cli
    storage = Storage.open(database_url, tmp_path / "var" / "images")
    sideways = io.BytesIO()
    Image.new("RGB", (64, 48), (5, 6, 7)).save(sideways, "TIFF", tiffinfo={0x0112: 6})
    store_photo(storage, sideways.getvalue())
    storage.close()
    monkeypatch.setenv("SIGHTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")

    code, out, _ = run("storage", "reconcile", "--adopt")

    assert code == 0 and "TIFF 48x64" in out


@pytest.fixture
def run_storage_cli(models_dir: Path, database_url: str, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("SIGHTLINE_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("SIGHTLINE_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(tmp_path / "var"), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run, database_url


def test_a_database_gone_under_the_running_server_fails_readyz_and_refuses_storing(
    start_server, samples_dir: Path, tmp_path: Path, database_url: str, request
) -> None:
    server = start_server()
    for shade in range(3):
        assert upload(server, small_photo(samples_dir, shade)).status_code == 201
    photo_files = sorted((tmp_path / "data" / "images").glob("??/*"))
    assert len(photo_files) == 3

    if database_url.startswith("sqlite"):
        Path(make_url(database_url).database).unlink()
        gone = "deleted or replaced"
    else:
        name = make_url(database_url).database
        admin = create_engine(make_url(request.getfixturevalue("postgres_server")), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        gone = "cannot be reached"
    answer = requests.get(f"{server.url}/readyz", timeout=30)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "database_unavailable", answer.text
    answer = upload(server, small_photo(samples_dir, 9))
    assert answer.status_code == 503 and gone in answer.json()["error"]["message"], answer.text
    detected = requests.post(
        f"{server.url}/api/v1/detect", files={"image": ("p.png", small_photo(samples_dir, 9), "image/png")}, timeout=60
    )
    assert detected.status_code == 200

    server.stop()
    if not database_url.startswith("sqlite"):
        with admin.connect() as connection:  # an empty database under the old name, as a mistyped URL finds
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    with pytest.raises(RuntimeError, match="holds photos but the database"):
        server.start(timeout=60)
    assert sorted((tmp_path / "data" / "images").glob("??/*")) == photo_files
