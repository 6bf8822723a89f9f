/** Colours for the classes found in one photo: each class its own, distinct from the others there. */
import type { Detection } from "../api";

// Dark enough for white tag text; ordered so the first few are as far apart as possible.
const PALETTE = [
  "#1f6fd1",
  "#d62728",
  "#2a9d3a",
  "#e0660b",
  "#8e44ad",
  "#0f8f9c",
  "#c2307f",
  "#8c564b",
  "#5c6bc0",
  "#9a7d00",
  "#546e7a",
  "#6d8f00",
];
const GOLDEN_ANGLE = 137.508;

export type ClassColors = ReadonlyMap<number, string>;

/**
 * class id -> colour, for the classes in `detections` in order of their best score.
 * A photo with more classes than the palette holds gets further hues spread around the circle.
 */
export function assignClassColors(detections: readonly Detection[]): ClassColors {
  const ordered = [...detections].sort((a, b) => b.score - a.score);
  const colors = new Map<number, string>();
  for (const d of ordered) {
    if (colors.has(d.class_id)) continue;
    const rank = colors.size;
    colors.set(d.class_id, rank < PALETTE.length ? PALETTE[rank] : `hsl(${Math.round((rank * GOLDEN_ANGLE) % 360)} 70% 38%)`);
  }
  return colors;
}

/** The colour of `classId`, grey for a class the map does not know. */
export function colorOf(colors: ClassColors, classId: number): string {
  return colors.get(classId) ?? "#7a7a7a";
}

/** One colour per model in charts, in the order the models are listed. */
export const MODEL_COLOURS = ["#485fc7", "#00b89c", "#e0660b", "#c2307f", "#8e44ad"];
