"""The image stores on their own: a folder and an S3 bucket keep the same promises, and a bucket that
cannot be used says which one and why."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from database_fixtures import IMAGE_STORES
from sightline.cli import main
from sightline.config import Settings
from sightline.storage.files import FileSystemImageStore, ImageNotFoundError, ImageStore, ImageStoreError, sha256_of
from sightline.storage.s3 import S3ImageStore, split_s3_url
from sightline.storage.service import Storage
from test_storage import files_in, jpeg_bytes


@pytest.fixture(params=IMAGE_STORES)
def make_store(request, tmp_path: Path):
    """`make_store()`: a store on this test's folder or bucket; each call is another process's view of it."""
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        return lambda: S3ImageStore(bucket, "photos/")
    return lambda: FileSystemImageStore(tmp_path / "images")


def where(store: ImageStore) -> str:
    return store.url if isinstance(store, S3ImageStore) else str(store.root)


def test_a_photo_is_kept_once_and_deleting_it_twice_is_harmless(make_store) -> None:
    store, data = make_store(), jpeg_bytes()
    for _ in range(2):
        store.publish(store.stage(data))

    assert list(store.hashes()) == files_in(store) == [sha256_of(data)]
    assert store.read(sha256_of(data)) == data and store.exists(sha256_of(data))
    store.delete(sha256_of(data))
    store.delete(sha256_of(data))
    assert not store.exists(sha256_of(data)) and files_in(store) == []


def test_a_discarded_photo_leaves_nothing(make_store) -> None:
    store = make_store()
    staged = store.stage(jpeg_bytes())

    store.discard(staged)

    assert files_in(store) == [] and not store.exists(staged.sha256)


@pytest.mark.parametrize("sha256", [sha256_of(b"never stored"), "../../etc/passwd"], ids=["missing", "malformed"])
def test_reading_what_is_not_there_names_it_and_the_store(make_store, sha256) -> None:
    store = make_store()

    with pytest.raises(ImageNotFoundError) as raised:
        store.read(sha256)

    assert sha256 in str(raised.value) and where(store) in str(raised.value)
    assert not store.exists(sha256)


def test_a_photo_another_process_published_first_publishes_without_error(make_store) -> None:
    mine, recovering = make_store(), make_store()
    data = jpeg_bytes()
    staged = mine.stage(data)
    # Its row has committed; another process's start-up recovery publishes the staged file first.
    assert recovering.recover(is_referenced=lambda sha256: True) == 1

    mine.publish(staged)

    assert mine.read(staged.sha256) == data and files_in(mine) == [staged.sha256]


def test_recovery_in_a_bucket_keeps_to_its_prefix(s3_bucket) -> None:
    s3 = boto3.client("s3")
    foreign = ["other-app/staging/x.y", f"other-app/images/ab/{'ab' * 32}", "photos/images/ab/notes.txt"]
    for key in foreign:
        s3.put_object(Bucket=s3_bucket, Key=key, Body=b"not ours")
    store = S3ImageStore(s3_bucket, "photos/")
    kept = store.stage(jpeg_bytes())
    store.publish(kept)
    orphan = store.stage(jpeg_bytes((9, 9, 9)))
    store.publish(orphan)

    assert store.recover(is_referenced=lambda sha256: sha256 == kept.sha256) == 1

    listed = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=s3_bucket)["Contents"])
    # The orphan is moved aside under the same prefix, never deleted.
    assert listed == sorted([*foreign, store.key(kept.sha256), f"photos/quarantine/{orphan.sha256}"])


def test_a_missing_bucket_stops_storage_from_opening_with_its_name(s3_bucket, tmp_path) -> None:
    with pytest.raises(ImageStoreError, match=r"image store s3://no-such-bucket/photos/: the bucket does not exist"):
        Storage.open(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "images", "s3://no-such-bucket/photos")


@pytest.mark.parametrize(
    ("operation", "code", "status", "message"),
    [
        ("put_object", "AccessDenied", 403, "access denied: the server's credentials need s3:GetObject"),
        ("put_object", "InvalidAccessKeyId", 403, "AWS access key is not valid"),
        ("put_object", "SlowDown", 503, "SlowDown: Please reduce your request rate"),
    ],
)
def test_a_refused_request_names_the_bucket_and_the_reason(s3_bucket, operation, code, status, message) -> None:
    store = S3ImageStore(s3_bucket, "photos/")

    with Stubber(store.client) as stubber, pytest.raises(ImageStoreError, match=message) as raised:
        stubber.add_client_error(
            operation,
            service_error_code=code,
            service_message="Please reduce your request rate",
            http_status_code=status,
        )
        store.stage(jpeg_bytes())

    assert str(raised.value).startswith(f"image store s3://{s3_bucket}/photos/: ")


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://my-photos", "my-photos", ""),
        ("s3://my-photos/", "my-photos", ""),
        ("s3://my.photos-1/sightline/prod/", "my.photos-1", "sightline/prod/"),
    ],
)
def test_an_s3_url_names_a_bucket_and_a_prefix(url, bucket, prefix) -> None:
    assert split_s3_url(url) == (bucket, prefix)
    assert Settings.from_env({"SIGHTLINE_IMAGES_URL": url}).images_url == url


@pytest.mark.parametrize(
    "url", ["my-photos", "s3:/my-photos", "https://my-photos.s3.amazonaws.com/", "s3://", "s3://My_Photos/x", "s3://ab"]
)
def test_a_bad_images_url_is_refused_with_the_variable_name_before_anything_is_made(
    url, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("SIGHTLINE_IMAGES_URL", url)

    code = main(["--data-dir", str(tmp_path / "data"), "storage", "check"])

    err = capsys.readouterr().err
    assert code == 1 and err.startswith("sightline: error: SIGHTLINE_IMAGES_URL: expected s3://BUCKET or s3://BUCKET/")
    assert not (tmp_path / "data").exists()  # no database made for a store that cannot be used
