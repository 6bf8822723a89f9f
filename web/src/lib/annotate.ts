/** The photo with its boxes and tags drawn in, at the photo's full resolution, as a PNG. */
import type { ShownDetection } from "./filter";
import { colorOf, tagTextColor, type ClassColors } from "./colors";
import { boxArea, type Rect, type Size } from "./geometry";
import { placeTags, tagText, tagTextMeasurer } from "./tagPlacement";

/** Line and text sizes follow the photo's size, so they read the same on a thumbnail and a 40 MP shot. */
function sizesFor(image: Size) {
  const unit = Math.max(1, Math.min(image.width, image.height) / 400);
  const fontSize = Math.max(12, Math.round(11 * unit));
  return {
    lineWidth: Math.max(2, Math.round(2 * unit)),
    fontSize,
    padding: Math.round(fontSize / 4),
    font: `600 ${fontSize}px system-ui, sans-serif`,
    // Semibold digits and letters average well under this; an estimate only where canvas cannot measure.
    charWidth: 0.65 * fontSize,
  };
}

export interface AnnotationTag {
  detection: ShownDetection;
  text: string;
  rect: Rect;
}

/**
 * The tags the PNG draws, placed by the same rule as the page's (best score first, none over another);
 * `measure` gives a text's width in the PNG's font. A tag with no room left is not drawn.
 */
export function annotationTags(
  detections: readonly ShownDetection[],
  image: Size,
  measure: (text: string) => number,
): AnnotationTag[] {
  const { fontSize, padding } = sizesFor(image);
  const byScore = [...detections].sort((a, b) => b.score - a.score);
  const texts = byScore.map(tagText);
  const places = placeTags(
    byScore.map((d, i) => ({
      rect: { x: d.box.x1, y: d.box.y1, width: d.box.x2 - d.box.x1, height: d.box.y2 - d.box.y1 },
      width: measure(texts[i]) + 2 * padding,
    })),
    image,
    fontSize + 2 * padding,
  );
  return byScore.flatMap((detection, i) => {
    const rect = places[i];
    return rect ? [{ detection, text: texts[i], rect }] : [];
  });
}

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

  const { lineWidth, padding, font, charWidth } = sizesFor(image);
  context.lineWidth = lineWidth;
  // Largest first, so a small box's outline is drawn over a larger one.
  for (const d of [...detections].sort((a, b) => boxArea(b.box) - boxArea(a.box))) {
    const { x1, y1, x2, y2 } = d.box;
    context.strokeStyle = colorOf(colors, d.class_id);
    context.strokeRect(x1, y1, x2 - x1, y2 - y1);
  }

  context.font = font;
  context.textBaseline = "top";
  for (const { detection, text, rect } of annotationTags(detections, image, tagTextMeasurer(font, charWidth))) {
    const colour = colorOf(colors, detection.class_id);
    context.fillStyle = colour;
    context.fillRect(rect.x, rect.y, rect.width, rect.height);
    context.fillStyle = tagTextColor(colour);
    context.fillText(text, rect.x + padding, rect.y + padding);
  }

  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("The annotated image could not be encoded."))), "image/png"),
  );
}
