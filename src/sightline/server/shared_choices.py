"""Choices an admin makes while the server runs, seen by every worker: the default model and the
models' score thresholds. They live in a file in the server's runtime directory, read on each use,
so a change made through one worker holds in the others from their next request; without a runtime
directory (one process: tests, AWS Lambda, the command line) they live in memory.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


class SharedChoices:
    """{"default_model": name, "score_thresholds": {model: threshold}}, each absent until chosen."""

    def __init__(self, runtime_dir: Path | None) -> None:
        self._path = runtime_dir / "choices.json" if runtime_dir else None
        self._in_memory: dict = {}
        self._writing = threading.Lock()

    def read(self) -> dict:
        if self._path is None:
            return self._in_memory
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}

    def update(self, default_model: str | None = None, score_thresholds: dict[str, float] | None = None) -> None:
        """Change the default model and/or add score thresholds; the others stay as they were."""
        with self._writing:
            choices = dict(self.read())
            if default_model is not None:
                choices["default_model"] = default_model
            if score_thresholds:
                choices["score_thresholds"] = {**choices.get("score_thresholds", {}), **score_thresholds}
            if self._path is None:
                self._in_memory = choices
                return
            staging = self._path.with_name(f".choices.{os.getpid()}.{threading.get_ident()}")
            staging.write_text(json.dumps(choices))
            os.replace(staging, self._path)  # atomic: a reader sees the old choices or the new ones
