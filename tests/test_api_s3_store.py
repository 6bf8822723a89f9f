"""The API with SIGHTLINE_IMAGES_URL set: stored photos go to the S3 bucket (moto's, in process), and a
bucket that cannot be used is reported to the operator, not as a bare traceback."""

from __future__ import annotations

import io

import boto3
import pytest

from api_fixtures import ADMIN_KEY
from sightline.config import Settings
from sightline.storage.files import ImageStoreError


@pytest.fixture
def make_s3_app(api_settings, tmp_path):
    """`make_s3_app(url)`: an app configured from the environment as a deployment would be, photos at `url`."""
    from sightline.api import create_app

    def make(url: str):
        environ = {"SIGHTLINE_IMAGES_URL": url, "SIGHTLINE_ADMIN_KEY": ADMIN_KEY}
        settings = Settings.from_env(
            environ, data_dir=tmp_path, models_dir=api_settings.models_dir, web_dir=tmp_path / "no-web-app"
        )
        return create_app(settings)

    return make


def upload(client, photo: bytes):
    return client.post("/api/v1/images", data={"image": (io.BytesIO(photo), "photo.jpg")})


def keys_in(bucket: str) -> list[str]:
    return sorted(item["Key"] for item in boto3.client("s3").list_objects_v2(Bucket=bucket).get("Contents", []))


def test_a_stored_photo_goes_to_the_bucket_and_comes_back_unchanged(make_s3_app, s3_bucket, photos) -> None:
    client = make_s3_app(f"s3://{s3_bucket}/sightline").test_client()

    stored = upload(client, photos["dog"])

    assert stored.status_code == 201
    sha256 = stored.get_json()["sha256"]
    key = f"sightline/images/{sha256[:2]}/{sha256}"
    assert keys_in(s3_bucket) == [key]  # published, nothing left in staging
    assert boto3.client("s3").get_object(Bucket=s3_bucket, Key=key)["Body"].read() == photos["dog"]
    served = client.get(stored.get_json()["file_url"])
    assert served.status_code == 200 and served.data == photos["dog"]
    assert (
        client.delete(f"/api/v1/images/{stored.get_json()['id']}", headers={"X-Admin-Key": ADMIN_KEY}).status_code
        == 204
    )
    assert keys_in(s3_bucket) == []


def test_a_missing_bucket_stops_the_app_at_start_and_names_the_bucket(make_s3_app, s3_bucket) -> None:
    with pytest.raises(ImageStoreError, match=r"s3://no-such-bucket/: the bucket does not exist"):
        make_s3_app("s3://no-such-bucket")


def test_a_bucket_gone_after_start_is_a_503_and_the_log_says_which(make_s3_app, s3_bucket, photos, tmp_path) -> None:
    client = make_s3_app(f"s3://{s3_bucket}/sightline").test_client()
    boto3.client("s3").delete_bucket(Bucket=s3_bucket)

    refused = upload(client, photos["dog"])

    assert refused.status_code == 503
    error = refused.get_json()["error"]
    assert error["code"] == "image_store_unavailable" and s3_bucket not in error["message"]
    log = (tmp_path / "log" / "sightline.log").read_text()
    assert f"image store s3://{s3_bucket}/sightline/: the bucket does not exist" in log
    assert "Traceback" not in log
