"""bench/engine.py as someone re-measuring the README figures runs it: any sections, figures kept as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_run_of_some_sections_writes_the_figures_it_printed_to_the_json_file(models_dir: Path, tmp_path: Path):
    written = tmp_path / "engine.json"

    result = subprocess.run(
        [sys.executable, "bench/engine.py", "--sections", "memory", "--json", str(written)],
        cwd=REPO,
        env={**os.environ, "SIGHTLINE_MODELS_DIR": str(models_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stderr
    figures = json.loads(written.read_text())
    assert figures["machine"]["cpu"] in result.stdout
    memory = figures["memory"]
    assert {"nanodet", "nanodet-int8", "centernet", "centernet-int8"} <= set(memory["models"])
    assert f"loaded and run: {memory['peak_rss_mb']:.0f} MB" in result.stdout
