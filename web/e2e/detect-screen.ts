/** The Detect screen as the end-to-end specs drive it: upload a photo, and check the boxes drawn. */
import type { Page } from "@playwright/test";
import type { DetectResult } from "../src/api/types";
import { expect } from "./fixtures";
import type { PhotoFile } from "./photos";

export const DEFAULT_MIN_SCORE = 0.3;

export const DETECT_PATH = "/api/v1/detect";

export function isDetectRequest(url: string, method: string) {
  return new URL(url).pathname === DETECT_PATH && method === "POST";
}

/** Choose `photo` with the file picker and return the API's answer once the page shows it. */
export async function upload(page: Page, photo: PhotoFile): Promise<DetectResult> {
  const answer = page.waitForResponse((r) => isDetectRequest(r.url(), r.request().method()));
  await page.getByLabel(/Choose (a|another) photo/).setInputFiles(photo);
  const response = await answer;
  expect(response.status()).toBe(200);
  const result = (await response.json()) as DetectResult;
  await expect(page.getByTestId("shown-count")).toBeVisible();
  return result;
}

export function shownAt(result: DetectResult, minScore: number) {
  return result.detections.map((d, index) => ({ ...d, index })).filter((d) => d.score >= minScore);
}

/** Every box on screen sits where the API's box lands on the photo as displayed, to the pixel. */
export async function expectBoxesOnPhoto(page: Page, result: DetectResult, minScore = DEFAULT_MIN_SCORE) {
  const shown = shownAt(result, minScore);
  await expect(page.locator("rect[data-testid^=box-]")).toHaveCount(shown.length);
  const photo = (await page.getByTestId("photo").boundingBox())!;
  const sx = photo.width / result.image.width;
  const sy = photo.height / result.image.height;
  expect(sx, "the photo keeps its aspect ratio").toBeCloseTo(sy, 2);
  const clamp = (v: number, high: number) => Math.min(high, Math.max(0, v));
  for (const d of shown) {
    const rect = page.getByTestId(`box-${d.index}`);
    // The bounding box on screen includes the outline, centred on the box's edges.
    const outline = Number(await rect.getAttribute("stroke-width"));
    const box = (await rect.boundingBox())!;
    const { x1, y1, x2, y2 } = d.box;
    const expected = {
      x: photo.x + clamp(x1, result.image.width) * sx - outline / 2,
      y: photo.y + clamp(y1, result.image.height) * sy - outline / 2,
      width: (clamp(x2, result.image.width) - clamp(x1, result.image.width)) * sx + outline,
      height: (clamp(y2, result.image.height) - clamp(y1, result.image.height)) * sy + outline,
    };
    for (const key of ["x", "y", "width", "height"] as const) {
      expect(Math.abs(box[key] - expected[key]), `${d.label} #${d.index} ${key}`).toBeLessThan(1);
    }
    await expect(page.getByTestId(`tag-${d.index}`)).toHaveText(`${d.label} ${Math.round(d.score * 100)}%`);
  }
  await expect(page.getByRole("table", { name: "Detections" }).locator("tbody tr")).toHaveCount(shown.length);
}
