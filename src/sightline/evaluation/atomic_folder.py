"""Write an exported folder complete or not at all, whatever its format (COCO, YOLO, VOC).

`atomic_folder(target)` yields a staging folder beside `target` to write into; only when the
block finishes does it become `target`, by one rename on the same file system. An error part-way
(a missing photo file, a full disk) removes the staging folder, so no half dataset is ever left
where a user or a training script would take it for a whole one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


class ExportTargetError(ValueError):
    """The export folder cannot be written: it already holds files, or it is not a folder."""


def safe_member_path(folder: Path, relative_name: str) -> Path:
    """FOLDER/RELATIVE_NAME with its sub-folders created; refuses names that leave FOLDER."""
    path = (folder / relative_name).resolve()
    if not path.is_relative_to(folder.resolve()) or path == folder.resolve():
        raise ExportTargetError(f"file name {relative_name!r} must stay inside {folder}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """A staging folder that replaces `target` (absent or empty) once the block succeeds."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportTargetError(f"{target} already exists and is not an empty folder; export to a new folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield staging
        staging.chmod(0o755)  # mkdtemp makes it private; an export is for others to read
        if target.exists():
            target.rmdir()  # empty, checked above; rename cannot replace a folder on every system
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
