"""Draw detections onto a photo: one colour per class, a label tag on each box."""

from __future__ import annotations

import colorsys

from PIL import Image, ImageDraw, ImageFont

from .detections import Detections


def class_colour(class_id: int) -> tuple[int, int, int]:
    """A stable, well-separated colour per class (golden-ratio hue steps)."""
    hue = (class_id * 0.618033988749895) % 1.0
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.75, 0.95)
    return round(red * 255), round(green * 255), round(blue * 255)


def draw_detections(image: Image.Image, detections: Detections) -> Image.Image:
    """A copy of `image` with each box outlined and tagged "label 0.87"."""
    canvas = image.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    line = max(2, round(min(canvas.size) / 300))
    font = ImageFont.load_default(size=max(12, round(min(canvas.size) / 40)))
    for box, score, class_id, label in zip(
        detections.boxes, detections.scores, detections.class_ids, detections.labels, strict=True
    ):
        colour = class_colour(int(class_id))
        x1, y1, x2, y2 = (float(v) for v in box)
        draw.rectangle((x1, y1, x2, y2), outline=colour, width=line)
        tag = f"{label} {score:.2f}"
        left, top, right, bottom = draw.textbbox((x1, y1), tag, font=font)
        tag_top = y1 - (bottom - top) - 2 * line if y1 - (bottom - top) - 2 * line >= 0 else y1
        draw.rectangle((x1, tag_top, x1 + (right - left) + 2 * line, tag_top + (bottom - top) + 2 * line), fill=colour)
        draw.text((x1 + line, tag_top + line - (top - y1)), tag, fill=(0, 0, 0), font=font)
    return canvas
