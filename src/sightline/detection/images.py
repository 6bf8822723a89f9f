"""Decode uploaded image files into upright 8-bit RGB pictures, rejecting what is not one.

A model sees a few hundred pixels a side, so `load_photo` can decode a phone photo at a fraction of
its size (JPEG through libjpeg's DCT scaling, other formats reduced right after decoding) while
remembering exactly which part of the small picture is the whole original photo.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

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


# EXIF orientation -> the transposition that makes the photo upright (as `ImageOps.exif_transpose`).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_AXES = {5, 6, 7, 8}

# (upright width, upright height) of a photo -> the least decoded size it still needs, or None for
# full size. A detector's `decode_size` is one.
DecodeSize = Callable[[int, int], "tuple[int, int] | None"]


@dataclass(frozen=True)
class Photo:
    """An upright RGB photo, perhaps decoded at reduced scale.

    image: the decoded pixels, upright.
    width, height: the original photo's upright size; boxes are reported in these pixels.
    region: (left, top, right, bottom) of `image`, in its own (float) pixels, that is exactly the
        whole original photo: a reduced decode rounds its size up, so it may reach a fraction of
        a pixel past the photo's edge.
    """

    image: Image.Image
    width: int
    height: int
    region: tuple[float, float, float, float]

    @classmethod
    def from_image(cls, image: Image.Image) -> Photo:
        """A photo decoded at full size."""
        return cls(image, image.width, image.height, (0.0, 0.0, float(image.width), float(image.height)))

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def load_image(source: bytes | str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode a JPEG, PNG, WebP, BMP, GIF (first frame) or TIFF into an upright RGB image.

    EXIF orientation is applied; grayscale, palette, alpha, CMYK and 16-bit images are
    converted to 8-bit RGB (transparent areas become white). The pixel count is checked
    from the header before any pixel is decoded, so decompression bombs cost nothing.
    Raises `ImageError` with reason "not_an_image", "unsupported_format", "too_large"
    or "undecodable".
    """
    return load_photo(source, max_pixels).image


def load_photo(
    source: bytes | str | Path, max_pixels: int = DEFAULT_MAX_PIXELS, decode_size: DecodeSize | None = None
) -> Photo:
    """`load_image`, decoded only as large as `decode_size(width, height)` asks for (upright pixels).

    A JPEG is decoded at 1/2, 1/4 or 1/8 scale by libjpeg itself; other formats are decoded in
    full and then reduced by a whole factor before orientation and colour conversion.
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
            orientation, upright, least, region = _draft(image, decode_size)
            image.load()
            image = to_rgb(image)
            if least is not None and image.size == (width, height):
                factor = min(width // max(1, least[0]), height // max(1, least[1]))
                if factor > 1:
                    image = image.reduce(factor)
                    region = (0.0, 0.0, width / factor, height / factor)
            method = _UPRIGHT.get(orientation)
            if method is not None:
                region = _transposed_region(region, image.size, method)
                image = image.transpose(method)
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageError("undecodable", f"the image data is truncated or corrupt ({error})") from error
    return Photo(image, *upright, region)


def decoded_pixels(data: bytes, decode_size: DecodeSize | None = None) -> int:
    """The most pixels `load_photo(data, decode_size=decode_size)` holds decoded at once, read from the
    file's header before any pixel is decoded: a JPEG's reduced decode, any other format's full size
    (it is reduced after decoding). 0 if the header cannot be read (decoding then refuses the file
    with the right message)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            full = image.width * image.height
            image.seek(0)
            _draft(image, decode_size)
            return min(full, image.width * image.height)
    except Exception:  # any failure is reported by the decoder itself, with its message
        return 0


def orientation_left_to_apply(image: Image.Image) -> int:
    """The EXIF orientation of an opened photo that its decoding leaves for us to apply (1: none).

    Pillow turns a TIFF upright itself as it decodes it, and gives its size upright from the start;
    turning it again would turn it twice.
    """
    if image.format == "TIFF":
        return 1
    return image.getexif().get(0x0112, 1)


def _draft(
    image: Image.Image, decode_size: DecodeSize | None
) -> tuple[int, tuple[int, int], tuple[int, int] | None, tuple[float, float, float, float]]:
    """Set an opened, not yet decoded photo up for its reduced decode (JPEG: libjpeg's DCT scaling).

    Returns its EXIF orientation, upright size, the least decoded size in the stored pixels'
    orientation (None: full size) and the region of the decoded picture that is the whole photo.
    """
    width, height = image.size
    orientation = orientation_left_to_apply(image)
    upright = (height, width) if orientation in _SWAPS_AXES else (width, height)
    least = decode_size(*upright) if decode_size else None
    if least is not None and orientation in _SWAPS_AXES:
        least = (least[1], least[0])  # in the stored pixels' orientation
    region = (0.0, 0.0, float(width), float(height))
    if least is not None and image.format in ("JPEG", "MPO"):
        drafted = image.draft(None, least)
        if drafted is not None:
            region = drafted[1]
    return orientation, upright, least, region


def _transposed_region(
    region: tuple[float, float, float, float], size: tuple[int, int], method: Image.Transpose
) -> tuple[float, float, float, float]:
    """Where `region` of a `size` picture lands once the picture is transposed by `method`."""
    width, height = size
    left, top, right, bottom = region
    if method in (
        Image.Transpose.TRANSPOSE,
        Image.Transpose.ROTATE_90,
        Image.Transpose.ROTATE_270,
        Image.Transpose.TRANSVERSE,
    ):
        left, top, right, bottom, width, height = top, left, bottom, right, height, width
        mirror_x = method in (Image.Transpose.ROTATE_270, Image.Transpose.TRANSVERSE)
        mirror_y = method in (Image.Transpose.ROTATE_90, Image.Transpose.TRANSVERSE)
    else:
        mirror_x = method in (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_180)
        mirror_y = method in (Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.ROTATE_180)
    if mirror_x:
        left, right = width - right, width - left
    if mirror_y:
        top, bottom = height - bottom, height - top
    return (left, top, right, bottom)


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
