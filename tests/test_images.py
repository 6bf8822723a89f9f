"""Decoding uploads: every common format and mode becomes upright RGB; bad files get named errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sightline.detection.images import ImageError, load_image, load_photo


def _encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _picture(mode: str = "RGB") -> Image.Image:
    """A 64x48 picture: left half red, right half blue."""
    pixels = np.zeros((48, 64, 3), dtype=np.uint8)
    pixels[:, :32] = (220, 20, 20)
    pixels[:, 32:] = (20, 20, 220)
    return Image.fromarray(pixels).convert(mode)


@pytest.mark.parametrize(
    ("fmt", "mode", "params"),
    [
        ("JPEG", "RGB", {}),
        ("PNG", "RGB", {}),
        ("PNG", "RGBA", {}),
        ("PNG", "P", {}),
        ("PNG", "L", {}),
        ("WEBP", "RGB", {"lossless": True}),
        ("BMP", "RGB", {}),
        ("GIF", "P", {}),
        ("TIFF", "RGB", {}),
        ("TIFF", "CMYK", {}),
        ("JPEG", "CMYK", {}),
        ("JPEG", "L", {}),
    ],
)
def test_common_formats_and_modes_decode_to_rgb(fmt: str, mode: str, params: dict) -> None:
    image = load_image(_encode(_picture(mode), fmt, **params))

    assert image.mode == "RGB"
    assert image.size == (64, 48)
    left, right = np.asarray(image)[24, 8].astype(int), np.asarray(image)[24, 56].astype(int)
    if mode in ("L",):
        assert abs(left.mean() - right.mean()) > 5  # gray levels still differ
    else:
        assert left[0] > left[2] + 100 and right[2] > right[0] + 100  # red stays left, blue right


def test_gif_uses_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])

    image = load_image(buffer.getvalue())

    red, green, _ = np.asarray(image)[10, 10]
    assert red > 200 and green < 50


def test_transparent_areas_become_white() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))

    assert tuple(np.asarray(load_image(_encode(image, "PNG")))[5, 5]) == (255, 255, 255)


def test_sixteen_bit_grayscale_keeps_its_range() -> None:
    values = np.tile(np.linspace(0, 65535, 100), (10, 1)).astype(np.uint16)
    image = load_image(_encode(Image.fromarray(values), "PNG"))

    row = np.asarray(image)[5, :, 0].astype(int)
    assert row[0] < 5 and row[-1] > 250 and 100 < row[50] < 160


def test_exif_orientation_is_applied() -> None:
    # Stored landscape with EXIF "rotate 90 CW" (6): it must come out portrait, red on top.
    exif = Image.Exif()
    exif[0x0112] = 6
    image = load_image(_encode(_picture(), "JPEG", exif=exif))

    assert image.size == (48, 64)
    top, bottom = np.asarray(image)[8, 24].astype(int), np.asarray(image)[56, 24].astype(int)
    assert top[0] > top[2] + 100 and bottom[2] > bottom[0] + 100


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_tiff_is_turned_upright_once_as_its_orientation_says(orientation: int) -> None:
    # The same pixels with the same orientation in a PNG's EXIF, which Pillow leaves for us to apply.
    stored = _marked((64, 48), (4, 4, 20, 12))
    exif = Image.Exif()
    exif[0x0112] = orientation

    tiff = load_photo(_encode(stored, "TIFF", tiffinfo={0x0112: orientation}))
    png = load_photo(_encode(stored, "PNG", exif=exif))

    assert tiff.size == tiff.image.size == png.size
    assert tiff.size == ((48, 64) if orientation >= 5 else (64, 48))
    assert np.array_equal(np.asarray(tiff.image), np.asarray(png.image))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "not_an_image"),
        (b"hello, this is text and not a photo", "not_an_image"),
        (b"%PDF-1.4\n%...", "not_an_image"),
    ],
)
def test_non_images_are_refused(payload: bytes, reason: str) -> None:
    with pytest.raises(ImageError) as caught:
        load_image(payload)
    assert caught.value.reason == reason
    assert "not an image" in str(caught.value)


def test_truncated_jpeg_is_refused_as_undecodable() -> None:
    data = _encode(_picture().resize((640, 480)), "JPEG")

    with pytest.raises(ImageError) as caught:
        load_image(data[: len(data) // 2])
    assert caught.value.reason == "undecodable"
    assert "truncated or corrupt" in str(caught.value)


def test_jpeg_cut_inside_its_header_is_refused_as_undecodable(samples_dir) -> None:
    with pytest.raises(ImageError) as caught:
        load_image((samples_dir / "dog.jpg").read_bytes()[:2000])
    assert caught.value.reason == "undecodable"


def test_unsupported_format_is_named() -> None:
    with pytest.raises(ImageError) as caught:
        load_image(_encode(_picture(), "ICO"))
    assert caught.value.reason == "unsupported_format"
    assert "ICO" in str(caught.value)


def test_decompression_bomb_is_refused_from_the_header_alone() -> None:
    # A 20000x20000 PNG of one colour compresses to a few hundred KB but would need 1.2 GB decoded.
    bomb = _encode(Image.new("L", (20_000, 20_000)), "PNG", optimize=True)

    with pytest.raises(ImageError) as caught:
        load_image(bomb, max_pixels=50_000_000)
    assert caught.value.reason == "too_large"
    assert "400.0 megapixels" in str(caught.value) and "limit of 50 megapixels" in str(caught.value)


def test_reads_from_a_path(samples_dir) -> None:
    image = load_image(samples_dir / "dog.jpg")

    assert image.size == (768, 576) and image.mode == "RGB"


def _marked(size: tuple[int, int], square: tuple[int, int, int, int]) -> Image.Image:
    picture = Image.new("RGB", size, (30, 30, 30))
    picture.paste((250, 250, 250), square)
    return picture


def _centre(pixels: np.ndarray) -> tuple[float, float]:
    rows, columns = np.nonzero(pixels[:, :, 0] > 140)
    return float(columns.mean()) + 0.5, float(rows.mean()) + 0.5


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
@pytest.mark.parametrize("orientation", [1, 2, 3, 5, 6, 7, 8])
def test_a_reduced_decode_knows_where_the_original_photo_lies(fmt: str, orientation: int) -> None:
    # Stored 2003x1501 (not a multiple of the reduction) with a bright square; the decode may be
    # as small as 240x180 upright pixels.
    stored = _marked((2003, 1501), (1500, 200, 1700, 420))
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(stored, fmt, exif=exif, **({"quality": 95} if fmt == "JPEG" else {}))

    full = load_photo(data)
    small = load_photo(data, decode_size=lambda width, height: (width // 8, height // 8))

    assert small.size == full.size == full.image.size
    assert small.image.width < full.width / 4
    left, top, right, bottom = small.region
    x, y = _centre(np.asarray(small.image))
    mapped = ((x - left) * full.width / (right - left), (y - top) * full.height / (bottom - top))
    expected = _centre(np.asarray(full.image))
    assert abs(mapped[0] - expected[0]) <= 0.01 * full.width
    assert abs(mapped[1] - expected[1]) <= 0.01 * full.height


def test_a_small_photo_is_decoded_at_its_own_size() -> None:
    data = _encode(_marked((300, 200), (10, 10, 50, 50)), "JPEG")

    photo = load_photo(data, decode_size=lambda width, height: (416, 277))

    assert photo.image.size == photo.size == (300, 200)
    assert photo.region == (0.0, 0.0, 300.0, 200.0)
