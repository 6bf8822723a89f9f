/**
 * Where each box's label tag goes so that no tag covers another: the one rule used by the overlay
 * on the page, the downloaded PNG and the Review screen.
 */
import type { Box } from "../api/types";
import { formatScore } from "./format";
import { toDisplayRect, type Rect, type Size } from "./geometry";

export interface TagRequest {
  /** The box the tag belongs to, in the same pixels as `area`. */
  rect: Rect;
  /** The tag's width in those pixels, text and padding. */
  width: number;
}

/** A tag's rectangle, or null when the area has no free room left for it. */
export type PlacedTag = Rect | null;

/**
 * Places tags in priority order (best first). Each tag tries, in turn: above its box, inside its top
 * edge, below its box, inside its bottom edge, then slots down the inside of the box; failing all,
 * the free spot next to an already placed tag nearest to the box's corner. A tag never overlaps an
 * earlier one and stays inside `area`; when nothing fits (hundreds of tags on a small photo) it is
 * left out rather than drawn over another, and its box keeps its title and its row in the list.
 */
export function placeTags(tags: readonly TagRequest[], area: Size, tagHeight: number): PlacedTag[] {
  const taken: Rect[] = [];
  return tags.map(({ rect, width }) => {
    const fits = (candidate: Rect) => !taken.some((other) => overlaps(other, candidate));
    const spot = nearCandidates(rect, width, tagHeight, area).find(fits) ?? nextToTaken(rect, width, tagHeight, area, taken, fits);
    if (spot) taken.push(spot);
    return spot ?? null;
  });
}

/** Width of `text` in a tag: measured where a canvas can measure it, else a generous estimate. */
export function tagTextMeasurer(font: string, fallbackCharWidth: number): (text: string) => number {
  const context = typeof document === "undefined" ? null : canvasContext();
  if (context) context.font = font;
  return (text) => (context ? Math.ceil(context.measureText(text).width) : Math.ceil(text.length * fallbackCharWidth));
}

function canvasContext(): CanvasRenderingContext2D | null {
  try {
    return document.createElement("canvas").getContext("2d");
  } catch {
    // jsdom has no canvas; the estimate serves there.
    return null;
  }
}

function nearCandidates(rect: Rect, width: number, height: number, area: Size): Rect[] {
  const left = clampX(rect.x, width, area);
  const right = clampX(rect.x + rect.width - width, width, area);
  const top = rect.y;
  const bottom = rect.y + rect.height;
  const ys = [top - height, top, bottom, bottom - height];
  for (let y = top + height; y + height <= bottom - height; y += height) ys.push(y);
  const candidates: Rect[] = [];
  for (const y of ys) {
    for (const x of left === right ? [left] : [left, right]) {
      if (y >= 0 && y + height <= area.height) candidates.push({ x, y, width, height });
    }
  }
  // A box taller than the photo's edges allow still gets a slot at the nearest edge.
  if (candidates.length === 0) candidates.push({ x: left, y: clampY(top, height, area), width, height });
  return candidates;
}

/** The free spot beside a placed tag (or a photo edge) nearest to where the tag would ideally be. */
function nextToTaken(
  rect: Rect,
  width: number,
  height: number,
  area: Size,
  taken: readonly Rect[],
  fits: (candidate: Rect) => boolean,
): Rect | null {
  const xs = new Set([clampX(rect.x, width, area), clampX(rect.x + rect.width - width, width, area), 0, area.width - width]);
  const ys = new Set([clampY(rect.y - height, height, area), clampY(rect.y, height, area), 0, area.height - height]);
  for (const t of taken) {
    xs.add(t.x + t.width).add(t.x - width).add(t.x);
    ys.add(t.y + t.height).add(t.y - height).add(t.y);
  }
  const ideal = { x: rect.x, y: rect.y - height };
  const candidates: Rect[] = [];
  for (const x of xs) {
    if (x < 0 || x + width > area.width) continue;
    for (const y of ys) {
      if (y >= 0 && y + height <= area.height) candidates.push({ x, y, width, height });
    }
  }
  candidates.sort((a, b) => distance(a, ideal) - distance(b, ideal));
  return candidates.find(fits) ?? null;
}

function distance(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function clampX(x: number, width: number, area: Size): number {
  return Math.max(0, Math.min(x, area.width - width));
}

function clampY(y: number, height: number, area: Size): number {
  return Math.max(0, Math.min(y, area.height - height));
}

/** Whether two rectangles share any area (touching edges do not count). */
export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The tags drawn over the photo on the page: 12 px semibold text, 6 px padding, 20 px tall. */
export const PAGE_TAG = { height: 20, padding: 6, font: "600 12px system-ui, sans-serif", fallbackCharWidth: 7.5 };

let pageMeasure: ((text: string) => number) | null = null;

/** Where the page draws each detection's tag; `detections` best first, boxes in `image` pixels. */
export function overlayTags(
  detections: readonly { box: Box; label: string; score: number }[],
  image: Size,
  display: Size,
): PlacedTag[] {
  pageMeasure ??= tagTextMeasurer(PAGE_TAG.font, PAGE_TAG.fallbackCharWidth);
  const measure = pageMeasure;
  return placeTags(
    detections.map((d) => ({
      rect: toDisplayRect(d.box, image, display),
      width: measure(tagText(d)) + 2 * PAGE_TAG.padding,
    })),
    display,
    PAGE_TAG.height,
  );
}

/** `detections` best score first, the order tags are placed in; the input is left as it is. */
export function byScore<T extends { score: number }>(detections: readonly T[]): T[] {
  return [...detections].sort((a, b) => b.score - a.score);
}

/** What a tag says: the class and the score as a percentage. */
export function tagText(d: { label: string; score: number }): string {
  return `${d.label} ${formatScore(d.score)}`;
}
