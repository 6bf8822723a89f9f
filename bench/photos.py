"""Phone-sized test photos for the benchmarks, made deterministically from a bundled sample.

A sample is upscaled (bicubic) to 0.5, 3, 12 or 24 megapixels at 4:3 and saved as a JPEG at quality
90; the rotated variant stores the pixels sideways with EXIF orientation 6, as phones do, so that
decoding has to turn it upright.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "dog.jpg"
SIZES = {"0.5 MP": (816, 612), "3 MP": (2000, 1500), "12 MP": (4032, 3024), "24 MP": (5656, 4242)}


def phone_photo(size: tuple[int, int], rotated: bool = False, sample: Path = SAMPLE) -> bytes:
    """The sample as a `size` (upright width, height) JPEG; same bytes on every call."""
    upright = Image.open(sample).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    exif = Image.Exif()
    if rotated:
        exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    stored = upright.transpose(Image.Transpose.ROTATE_90) if rotated else upright
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def photo_set() -> dict[str, bytes]:
    """Label -> JPEG bytes: the 768x576 sample itself, then every size upright and rotated."""
    photos = {f"{SAMPLE.name} 768x576": SAMPLE.read_bytes()}
    for label, size in SIZES.items():
        photos[f"{label} {size[0]}x{size[1]}"] = phone_photo(size)
        photos[f"{label} {size[0]}x{size[1]}, EXIF-rotated"] = phone_photo(size, rotated=True)
    return photos
