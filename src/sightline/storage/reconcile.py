"""`sightline storage check` and `reconcile`: compare the photo store with the database, and mend them.

No file is ever deleted here because the database does not know it: such a file is either moved
into quarantine (restorable) or, on request, adopted as a stored photo of this database.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from ..detection.images import orientation_left_to_apply
from .files import sha256_of
from .models import StoredImage
from .service import Storage

log = logging.getLogger("sightline.storage")
# EXIF orientations that turn the photo a quarter: its upright width is the file's height.
_QUARTER_TURNS = {5, 6, 7, 8}


@dataclass
class StoreReport:
    """What the database and the photo store hold, and where they differ (hashes)."""

    rows: int
    files: int
    missing_files: list[str] = field(default_factory=list)
    unknown_files: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    staged: int = 0

    @property
    def consistent(self) -> bool:
        return not self.missing_files and not self.unknown_files


def check_store(storage: Storage) -> StoreReport:
    with storage.sessions() as session:
        known = set(session.scalars(select(StoredImage.sha256)))
    present = set(storage.images.hashes())
    return StoreReport(
        rows=len(known),
        files=len(present),
        missing_files=sorted(known - present),
        unknown_files=sorted(present - known),
        quarantined=sorted(storage.images.quarantined()),
        staged=sum(1 for _ in storage.images.staged_images()),
    )


def reconcile_store(storage: Storage, adopt: bool = False) -> list[str]:
    """Bring back quarantined files the database refers to; adopt (or else quarantine) files it does not know.

    Returns one line per change made.
    """
    done: list[str] = []
    images = storage.images
    with storage.sessions() as session, images.exclusive():
        known = set(session.scalars(select(StoredImage.sha256)))
        for name in images.quarantined():
            sha256 = name.partition(".")[0]
            if (sha256 in known or adopt) and images.restore(name):
                done.append(f"restored {sha256} from quarantine")
        for sha256 in sorted(set(images.hashes()) - known):
            if not adopt:
                done.append(f"quarantined {sha256} (no row): {images.quarantine(sha256)}")
                continue
            row = _row_for(sha256, images.read(sha256))
            if row is None:
                done.append(f"quarantined {sha256} (not a readable image): {images.quarantine(sha256)}")
                continue
            session.add(row)
            done.append(f"adopted {sha256} ({row.format} {row.width}x{row.height})")
        session.commit()
    for line in done:
        log.warning("storage reconcile: %s", line)
    return done


def _row_for(sha256: str, data: bytes) -> StoredImage | None:
    if sha256_of(data) != sha256:
        return None
    try:
        with Image.open(io.BytesIO(data)) as picture:
            width, height = picture.size
            if orientation_left_to_apply(picture) in _QUARTER_TURNS:
                width, height = height, width
            image_format = picture.format or "unknown"
    except (UnidentifiedImageError, OSError):
        return None
    return StoredImage(sha256=sha256, width=width, height=height, format=image_format, byte_size=len(data))
