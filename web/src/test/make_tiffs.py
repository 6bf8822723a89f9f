"""Write the small TIFF files the page's TIFF decoding is tested on, and what the server makes of each.

Each file holds a few pixels of distinct colours (so a turned or mirrored picture shows), in one of
the layouts photos and scans come in: every EXIF orientation, each compression Pillow writes,
grayscale at 8 and 16 bits in both byte orders, 16-bit RGB, CMYK, a palette, transparency, one bit
per pixel and several pages. `tiffs.json` holds each file (base64) with the upright 8-bit RGB pixels
of the server's own decoder (`sightline.detection.images.load_image`), its size and its page count.

Run from the repository root: .venv/bin/python web/src/test/make_tiffs.py
"""

from __future__ import annotations

import base64
import io
import json
import struct
from pathlib import Path

import numpy as np
from PIL import Image

from sightline.detection.images import load_image

HERE = Path(__file__).parent
WIDTH, HEIGHT = 5, 3


def pattern(width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """uint8[height, width, 3]: no two pixels alike, none grey."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 50 + 10, y * 90 + 20, 240 - x * 20 - y * 30], axis=-1).astype(np.uint8)


def saved(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format="TIFF", **options)
    return out.getvalue()


def rgb16(little_endian: bool) -> bytes:
    """An uncompressed 16-bit-per-sample RGB TIFF, which Pillow reads but does not write."""
    values = pattern().astype(np.uint16) * 257 + 3
    order = "<" if little_endian else ">"
    pixels = values.astype(f"{order}u2").tobytes()
    entries = [  # tag, type (3 short, 4 long), count, value or offset
        (256, 3, 1, WIDTH),
        (257, 3, 1, HEIGHT),
        (258, 3, 3, None),  # bits per sample, three shorts: stored after the IFD
        (259, 3, 1, 1),
        (262, 3, 1, 2),
        (273, 4, 1, None),  # strip offset: after the bits per sample
        (277, 3, 1, 3),
        (278, 3, 1, HEIGHT),
        (279, 4, 1, len(pixels)),
    ]
    ifd_at = 8
    bits_at = ifd_at + 2 + len(entries) * 12 + 4
    strip_at = bits_at + 6
    ifd = struct.pack(f"{order}H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bits_at
            packed = struct.pack(f"{order}HHII", tag, kind, count, value)
        elif tag == 273:
            packed = struct.pack(f"{order}HHII", tag, kind, count, strip_at)
        elif kind == 3:
            packed = struct.pack(f"{order}HHIHH", tag, kind, count, value, 0)
        else:
            packed = struct.pack(f"{order}HHII", tag, kind, count, value)
        ifd += packed
    ifd += struct.pack(f"{order}I", 0)
    header = (b"II" if little_endian else b"MM") + struct.pack(f"{order}HI", 42, ifd_at)
    return header + ifd + struct.pack(f"{order}HHH", 16, 16, 16) + pixels


def files() -> dict[str, bytes]:
    rgb = Image.fromarray(pattern())
    made = {f"orientation-{o}.tif": saved(rgb, tiffinfo={274: o}) for o in range(1, 9)}
    made["lzw.tif"] = saved(rgb, compression="tiff_lzw")
    made["lzw-predictor.tif"] = saved(rgb, compression="tiff_lzw", tiffinfo={317: 2})
    made["deflate.tif"] = saved(rgb, compression="tiff_adobe_deflate")
    made["packbits.tif"] = saved(rgb, compression="packbits")
    made["lzw-orientation-6.tif"] = saved(rgb, compression="tiff_lzw", tiffinfo={274: 6})
    # JPEG inside TIFF is lossy: a smooth picture, compared loosely.
    smooth = np.stack(np.broadcast_arrays(*np.mgrid[0:32, 0:32] * 6, 128), axis=-1).astype(np.uint8)
    made["jpeg.tif"] = saved(Image.fromarray(smooth), compression="jpeg", quality=95)

    gray = pattern()[..., 0] + pattern()[..., 1]
    made["gray8.tif"] = saved(Image.fromarray(gray))
    wide = gray.astype(np.uint16) * 250 + 7
    size = (WIDTH, HEIGHT)
    made["gray16.tif"] = saved(Image.frombytes("I;16", size, wide.astype("<u2").tobytes()))
    made["gray16-big-endian.tif"] = saved(Image.frombytes("I;16B", size, wide.astype(">u2").tobytes()))
    # 16 bits holding 8-bit values: the server stretches nothing, so neither may the page.
    made["gray16-low.tif"] = saved(Image.frombytes("I;16", size, gray.astype("<u2").tobytes()))
    made["rgb16.tif"] = rgb16(little_endian=True)
    made["rgb16-big-endian.tif"] = rgb16(little_endian=False)

    made["cmyk.tif"] = saved(rgb.convert("CMYK"))
    made["palette.tif"] = saved(rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16))
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.fromarray((np.arange(WIDTH * HEIGHT).reshape(HEIGHT, WIDTH) * 18).astype(np.uint8)))
    made["alpha.tif"] = saved(rgba)
    made["bilevel.tif"] = saved(Image.fromarray(gray > 128).convert("1"))

    pages = [rgb, Image.new("RGB", (7, 2), (200, 30, 30)), Image.new("RGB", (3, 3), (30, 200, 30))]
    made["three-pages.tif"] = saved(pages[0], save_all=True, append_images=pages[1:])
    return made


def main() -> None:
    expected = {}
    for name, data in files().items():
        upright = load_image(data)
        with Image.open(io.BytesIO(data)) as image:
            page_count = getattr(image, "n_frames", 1)
        expected[name] = {
            "file": base64.b64encode(data).decode(),
            "width": upright.width,
            "height": upright.height,
            "pages": page_count,
            "rgb": np.asarray(upright).reshape(-1).tolist(),
        }
    (HERE / "tiffs.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
