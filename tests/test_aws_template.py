"""The AWS deployment files: the SAM template passes cfn-lint and wires the optional photo bucket, and the
image runs the handler that exists with the serving dependencies pinned as in requirements.lock."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode

from sightline.config import Settings
from sightline.storage.s3 import split_s3_url

AWS = Path(__file__).resolve().parent.parent / "deploy" / "aws"
REPO = AWS.parent.parent


def cfn_lint(template: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(template)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_template_passes_cfn_lint():
    completed = cfn_lint(AWS / "template.yaml")

    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_cfn_lint_catches_a_broken_template(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text((AWS / "template.yaml").read_text().replace("MemorySize: !Ref MemorySize", "MemorySize: lots"))

    completed = cfn_lint(broken)

    assert completed.returncode != 0
    assert "'lots' is not of type" in completed.stdout


def test_the_image_runs_the_lambda_handler():
    command = re.search(r"^CMD (\[.*\])$", (AWS / "Dockerfile").read_text(), re.MULTILINE)

    module, _, function = json.loads(command.group(1))[0].rpartition(".")
    assert callable(getattr(importlib.import_module(module), function))


@pytest.mark.parametrize("package", ["torch", "torchvision", "onnx", "torchmetrics"])
def test_the_image_installs_no_conversion_dependency(package):
    pinned = [line.split("==")[0].lower() for line in (AWS / "requirements.txt").read_text().splitlines()]

    assert package not in pinned
    assert "onnxruntime" in pinned and "apig-wsgi" in pinned


def test_the_image_pins_its_dependencies_as_the_lock_does():
    locked = set((REPO / "requirements.lock").read_text().splitlines())
    pinned = [line for line in (AWS / "requirements.txt").read_text().splitlines() if not line.startswith("#")]

    assert [line for line in pinned if line not in locked] == []
    assert {"boto3", "botocore", "s3transfer"} <= {line.split("==")[0] for line in pinned}


@pytest.fixture(scope="module")
def template() -> dict:
    decoded, problems = decode(str(AWS / "template.yaml"))
    assert not problems
    return decoded


def test_store_photos_makes_a_private_encrypted_bucket_that_outlives_the_stack(template):
    bucket = template["Resources"]["PhotoBucket"]

    assert template["Conditions"]["StoresPhotos"] == {"Fn::Equals": [{"Ref": "StorePhotos"}, "true"]}
    assert template["Parameters"]["StorePhotos"]["Default"] == "false"
    assert bucket["Type"] == "AWS::S3::Bucket" and bucket["Condition"] == "StoresPhotos"
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert set(bucket["Properties"]["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["Properties"]["PublicAccessBlockConfiguration"]) == 4
    (encryption,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    output = template["Outputs"]["PhotoBucketName"]
    assert (output["Condition"], output["Value"]) == ("StoresPhotos", {"Ref": "PhotoBucket"})


def test_the_function_gets_the_bucket_url_and_rights_on_that_bucket_only_when_photos_are_stored(template):
    function = template["Resources"]["DetectFunction"]["Properties"]
    url = function["Environment"]["Variables"]["SIGHTLINE_IMAGES_URL"]

    assert function["Policies"] == [
        {"Fn::If": ["StoresPhotos", {"S3CrudPolicy": {"BucketName": {"Ref": "PhotoBucket"}}}, {"Ref": "AWS::NoValue"}]}
    ]
    condition, when_stored, otherwise = url["Fn::If"]
    assert (condition, otherwise) == ("StoresPhotos", {"Ref": "AWS::NoValue"})
    # What CloudFormation substitutes is a URL the app accepts, for the whole bucket.
    deployed = when_stored["Fn::Sub"].replace("${PhotoBucket}", "mystack-photobucket-1a2b3c4d5e6f")
    assert Settings.from_env({"SIGHTLINE_IMAGES_URL": deployed}).images_url == "s3://mystack-photobucket-1a2b3c4d5e6f/"
    assert split_s3_url(deployed) == ("mystack-photobucket-1a2b3c4d5e6f", "")


def test_store_photos_refuses_to_deploy_without_a_lasting_database(template):
    rule = template["Rules"]["StoredPhotosNeedALastingDatabase"]

    assert rule["RuleCondition"] == template["Conditions"]["StoresPhotos"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DatabaseUrl"}, ""]}]}
