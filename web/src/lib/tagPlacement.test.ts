import { describe, expect, it } from "vitest";
import type { Detection } from "../api/types";
import samples from "../test/sampleDetections.json";
import { annotationTags } from "./annotate";
import type { Size } from "./geometry";
import { overlaps, overlayTags, placeTags, tagTextMeasurer } from "./tagPlacement";

const photos = samples.photos as { model: string; photo: string; image: Size; detections: Detection[] }[];

/** Widths the sample photos are shown at: a phone, a tablet, a desktop column, and full size. */
const DISPLAY_WIDTHS = [358, 560, 820];

function expectApart(tags: ({ x: number; y: number; width: number; height: number } | null)[], area: Size, what: string) {
  const placed = tags.filter((t) => t !== null);
  expect(placed.length, `${what}: every tag found room`).toBe(tags.length);
  for (const [i, a] of placed.entries()) {
    expect(a.x, what).toBeGreaterThanOrEqual(0);
    expect(a.y, what).toBeGreaterThanOrEqual(0);
    expect(a.x + a.width, what).toBeLessThanOrEqual(area.width + 1e-6);
    expect(a.y + a.height, what).toBeLessThanOrEqual(area.height + 1e-6);
    for (const b of placed.slice(i + 1)) expect(overlaps(a, b), `${what}: ${JSON.stringify(a)} and ${JSON.stringify(b)}`).toBe(false);
  }
}

describe("placeTags on the real detections of the sample photos (score 0.3 and up)", () => {
  it("has detections to place, busy photos included", () => {
    const busiest = Math.max(...photos.map((p) => p.detections.length));
    expect(busiest).toBeGreaterThanOrEqual(15);
  });

  describe.each(photos.map((p) => [`${p.photo} (${p.model}, ${p.detections.length} tags)`, p] as const))("%s", (_, p) => {
    it.each(DISPLAY_WIDTHS)("no two tags overlap on the page at %i px wide", (width) => {
      const display = { width, height: (width * p.image.height) / p.image.width };
      const detections = p.detections.map((d, index) => ({ ...d, index }));
      expectApart(overlayTags(detections, p.image, display), display, `${p.photo} at ${width}px`);
    });

    it("no two tags overlap in the downloaded PNG", () => {
      const measure = tagTextMeasurer("600 12px sans-serif", 8);
      const detections = p.detections.map((d, index) => ({ ...d, index }));
      expectApart(annotationTags(detections, p.image, measure).map((t) => t.rect), p.image, p.photo);
    });
  });
});

describe("placeTags", () => {
  const area = { width: 400, height: 300 };
  const tag = (rect: { x: number; y: number; width: number; height: number }, text: string) => ({ rect, width: text.length * 7 + 12 });

  it("puts a tag above its box when there is room, inside it when the box touches the top", () => {
    const [above, inside] = placeTags(
      [tag({ x: 10, y: 100, width: 100, height: 100 }, "dog 67%"), tag({ x: 200, y: 5, width: 100, height: 100 }, "cat 35%")],
      area,
      20,
    );
    expect(above).toMatchObject({ x: 10, y: 80 });
    expect(inside).toMatchObject({ x: 200, y: 5 });
  });

  it("moves a second tag for the same box out of the first one's way", () => {
    const rect = { x: 50, y: 100, width: 200, height: 150 };
    const [first, second] = placeTags([tag(rect, "car 51%"), tag(rect, "truck 35%")], area, 20);
    expect(first).toMatchObject({ x: 50, y: 80 });
    expect(overlaps(first!, second!)).toBe(false);
  });

  it("keeps a tag near the right edge inside the photo", () => {
    const [placed] = placeTags([tag({ x: 380, y: 100, width: 20, height: 50 }, "potted plant 27%")], area, 20);
    expect(placed!.x + placed!.width).toBeLessThanOrEqual(400);
  });

  it("leaves a tag out rather than draw it over another when the photo is full", () => {
    const whole = { x: 0, y: 0, width: 40, height: 20 };
    const placed = placeTags([tag(whole, "dog"), tag(whole, "cat")], { width: 40, height: 20 }, 20);
    expect(placed[0]).not.toBeNull();
    expect(placed[1]).toBeNull();
  });
});
