"""The AWS deployment files: the SAM template passes cfn-lint and the image runs the handler that exists."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

AWS = Path(__file__).resolve().parent.parent / "deploy" / "aws"


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
