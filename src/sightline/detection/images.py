"""Decode uploaded image files into upright 8-bit RGB pictures, rejecting what is not one."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats a browser or camera produces; anything else Pillow may open (EPS, ICO, ...)
# is refused so that an upload cannot reach an obscure decoder.
SUPPORTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "MPO"})
DEFAULT_MAX_PIXELS = 50_000_000

# Pillow's global bomb limit would refuse huge images with a message that names no size;
# `load_image` enforces its own, configurable limit from the header instead.
Image.MAX_IMAGE_PIXELS = None


class ImageError(ValueError):
    """An input that cannot be used as a photo; `reason` is a stable machine-readable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def load_image(source: bytes | str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode a JPEG, PNG, WebP, BMP, GIF (first frame) or TIFF into an upright RGB image.

    EXIF orientation is applied; grayscale, palette, alpha, CMYK and 16-bit images are
    converted to 8-bit RGB (transparent areas become white). The pixel count is checked
    from the header before any pixel is decoded, so decompression bombs cost nothing.
    Raises `ImageError` with reason "not_an_image", "unsupported_format", "too_large"
    or "undecodable".
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    with stream:
        try:
            image = Image.open(stream)
        except UnidentifiedImageError as error:
            raise ImageError("not_an_image", "the file is not an image in a known format") from error
        except (OSError, SyntaxError, ValueError) as error:  # a header cut short, e.g. inside EXIF
            raise ImageError("undecodable", f"the image data is truncated or corrupt ({error})") from error
        if image.format not in SUPPORTED_FORMATS:
            raise ImageError(
                "unsupported_format",
                f"{image.format} images are not supported; use JPEG, PNG, WebP, BMP, GIF or TIFF",
            )
        width, height = image.size
        if width * height > max_pixels:
            raise ImageError(
                "too_large",
                f"the image is {width}x{height} = {width * height / 1e6:.1f} megapixels, "
                f"over the limit of {max_pixels / 1e6:g} megapixels",
            )
        if width == 0 or height == 0:
            raise ImageError("undecodable", "the image has no pixels")
        try:
            image.seek(0)
            image.load()
            image = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageError("undecodable", f"the image data is truncated or corrupt ({error})") from error
    return to_rgb(image)


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB version of any Pillow image mode."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # Wide grayscale: scale the used range into 0..255 rather than clipping at 255.
        values = np.asarray(image, dtype=np.float32)
        top = 65535.0 if values.max(initial=0) > 255 else 255.0
        gray = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(gray, mode="L").convert("RGB")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image).convert("RGB")
    return image.convert("RGB")
