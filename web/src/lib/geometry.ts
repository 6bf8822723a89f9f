/** Mapping boxes from the photo's own pixels to the pixels the page displays it at. */
import type { Box } from "../api/types";

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `box` (xyxy in `image` pixels) as a rectangle in `display` pixels, clipped to the photo. */
export function toDisplayRect(box: Box, image: Size, display: Size): Rect {
  const sx = display.width / image.width;
  const sy = display.height / image.height;
  const x1 = clamp(box.x1, 0, image.width) * sx;
  const y1 = clamp(box.y1, 0, image.height) * sy;
  const x2 = clamp(box.x2, 0, image.width) * sx;
  const y2 = clamp(box.y2, 0, image.height) * sy;
  return { x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1) };
}

export function boxArea(box: Box): number {
  return Math.max(0, box.x2 - box.x1) * Math.max(0, box.y2 - box.y1);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

export interface Point {
  x: number;
  y: number;
}
