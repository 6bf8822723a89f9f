/** The photo with its boxes and tags drawn in, at the photo's full resolution, as a PNG. */
import type { ShownDetection } from "./filter";
import { colorOf, type ClassColors } from "./colors";
import { formatScore } from "./format";
import { boxArea, type Size } from "./geometry";

export async function renderAnnotatedPng(
  photoUrl: string,
  image: Size,
  detections: readonly ShownDetection[],
  colors: ClassColors,
): Promise<Blob> {
  const photo = new Image();
  photo.src = photoUrl;
  await photo.decode();

  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("This browser cannot draw the annotated image.");
  context.drawImage(photo, 0, 0, image.width, image.height);

  // Line and text sizes follow the photo's size, so they read the same on a thumbnail and a 40 MP shot.
  const unit = Math.max(1, Math.min(image.width, image.height) / 400);
  const lineWidth = Math.max(2, Math.round(2 * unit));
  const fontSize = Math.max(12, Math.round(11 * unit));
  const padding = Math.round(fontSize / 4);
  context.font = `600 ${fontSize}px system-ui, sans-serif`;
  context.textBaseline = "top";

  // Largest first, so a small box's tag is not hidden under a larger one.
  const ordered = [...detections].sort((a, b) => boxArea(b.box) - boxArea(a.box));
  for (const d of ordered) {
    const { x1, y1, x2, y2 } = d.box;
    const colour = colorOf(colors, d.class_id);
    context.strokeStyle = colour;
    context.lineWidth = lineWidth;
    context.strokeRect(x1, y1, x2 - x1, y2 - y1);

    const text = `${d.label} ${formatScore(d.score)}`;
    const tagWidth = context.measureText(text).width + 2 * padding;
    const tagHeight = fontSize + 2 * padding;
    const tagX = Math.min(Math.max(0, x1), image.width - tagWidth);
    const tagY = y1 - tagHeight >= 0 ? y1 - tagHeight : Math.max(0, y1);
    context.fillStyle = colour;
    context.fillRect(tagX, tagY, tagWidth, tagHeight);
    context.fillStyle = "#fff";
    context.fillText(text, tagX + padding, tagY + padding);
  }

  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("The annotated image could not be encoded."))), "image/png"),
  );
}

