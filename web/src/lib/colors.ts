/**
 * Colours for detected classes. A class has one colour, from its class id, on every photo and
 * screen; each is dark enough that the white tag text on it meets WCAG AA (4.5:1).
 */
import type { Detection } from "../api/types";

// Consecutive class ids land far apart on the colour wheel.
const GOLDEN_ANGLE = 137.508;
/** WCAG AA for normal-size text. */
export const MIN_TAG_CONTRAST = 4.5;
const WHITE = "#ffffff";
const NEAR_BLACK = "#0a0a0a";

export type ClassColors = ReadonlyMap<number, string>;

const byClass = new Map<number, string>();

/** The colour of class `classId`: its own hue, darkened until white text on it reads at 4.5:1. */
export function classColor(classId: number): string {
  let colour = byClass.get(classId);
  if (colour === undefined) {
    const hue = (classId * GOLDEN_ANGLE) % 360;
    // Saturation steps by class id too, so two classes with close hues still look different.
    const saturation = [75, 60, 90][classId % 3];
    let lightness = 48;
    colour = hslToHex(hue, saturation, lightness);
    while (contrastRatio(colour, WHITE) < MIN_TAG_CONTRAST + 0.1) colour = hslToHex(hue, saturation, --lightness);
    byClass.set(classId, colour);
  }
  return colour;
}

/** class id -> colour for the classes in `detections`. */
export function assignClassColors(detections: readonly Pick<Detection, "class_id">[]): ClassColors {
  return new Map(detections.map((d) => [d.class_id, classColor(d.class_id)]));
}

/** The colour of `classId`, from the map when it has one. */
export function colorOf(colors: ClassColors, classId: number): string {
  return colors.get(classId) ?? classColor(classId);
}

/** The text colour that reads best on `background` (a #rrggbb colour). */
export function tagTextColor(background: string): string {
  return contrastRatio(background, WHITE) >= contrastRatio(background, NEAR_BLACK) ? WHITE : NEAR_BLACK;
}

/** WCAG 2 contrast ratio of two #rrggbb colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [lighter, darker] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (lighter + 0.05) / (darker + 0.05);
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const s = saturation / 100;
  const l = lightness / 100;
  const k = (n: number) => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return `#${[0, 8, 4].map((n) => Math.round(channel(n) * 255).toString(16).padStart(2, "0")).join("")}`;
}

/** One colour per model in charts, in the order the models are listed. */
export const MODEL_COLOURS = ["#485fc7", "#00b89c", "#e0660b", "#c2307f", "#8e44ad"];
