/**
 * TIFF photos, which Chromium cannot draw in an <img>, against a real server: one stored sideways
 * with its orientation tag shows upright at its full size with the API's boxes on it, on Detect and,
 * once kept, in History, Review and a fresh page opened at its link; a TIFF of several pages shows
 * its first page and says so; the batch grid shows a TIFF's thumbnail. The TIFFs are made here with
 * Pillow from samples/dog.jpg.
 */
import type { Locator, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DetectResult } from "../src/api/types";
import { expect, SAMPLES, saveScreenshot, test } from "./fixtures";
import { expectAccessible, expectNoSidewaysScroll, WIDTHS } from "./page-checks";
import { sample, type PhotoFile } from "./photos";

const PYTHON = path.resolve(import.meta.dirname, "../../.venv/bin/python");
const FOLDER = path.resolve(import.meta.dirname, "../test-results/tiffs");
const MIN_SCORE = 0.3;
// dog.jpg's pixels stored a quarter turn left, LZW-compressed, with orientation 6 to turn them
// upright; a second file holds them as its first page and horses.jpg as its second. `probes.json`
// gives the upright pixels at a few points, to check what the page draws.
const WRITE_TIFFS = `
import json, sys
from pathlib import Path
from PIL import Image
samples, folder = Path(sys.argv[1]), Path(sys.argv[2])
dog = Image.open(samples / "dog.jpg").convert("RGB")
horses = Image.open(samples / "horses.jpg").convert("RGB")
dog.transpose(Image.Transpose.ROTATE_90).save(folder / "dog-sideways.tif", compression="tiff_lzw", tiffinfo={0x0112: 6})
dog.save(folder / "dog-and-horses.tif", compression="tiff_lzw", save_all=True, append_images=[horses])
points = [(x, y) for x in (40, 230, 400, 700) for y in (30, 300, 550)]
(folder / "probes.json").write_text(json.dumps([[x, y, list(dog.getpixel((x, y)))] for x, y in points]))
`;

let sideways: PhotoFile;
let twoPages: PhotoFile;
let probes: [number, number, number[]][];

test.beforeAll(() => {
  mkdirSync(FOLDER, { recursive: true });
  execFileSync(PYTHON, ["-c", WRITE_TIFFS, SAMPLES, FOLDER]);
  const tiff = (name: string): PhotoFile => ({ name, mimeType: "image/tiff", buffer: readFileSync(path.join(FOLDER, name)) });
  sideways = tiff("dog-sideways.tif");
  twoPages = tiff("dog-and-horses.tif");
  probes = JSON.parse(readFileSync(path.join(FOLDER, "probes.json"), "utf8"));
});

async function upload(page: Page, photo: PhotoFile): Promise<DetectResult> {
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/detect" && r.request().method() === "POST");
  await page.getByLabel(/Choose (a|another) photo/).setInputFiles(photo);
  const response = await answer;
  expect(response.status()).toBe(200);
  await expect(page.getByTestId("shown-count")).toBeVisible();
  return (await response.json()) as DetectResult;
}

/** The picture an <img> holds: its natural size, and its pixels at the probe points (not a broken or blank image). */
async function expectDogPicture(image: Locator) {
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(768);
  const drawn = await image.evaluate((img: HTMLImageElement, points: [number, number][]) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d")!;
    context.drawImage(img, 0, 0);
    return {
      height: img.naturalHeight,
      pixels: points.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3))),
    };
  }, probes.map(([x, y]) => [x, y] as [number, number]));
  expect(drawn.height).toBe(576);
  for (const [i, [x, y, rgb]] of probes.entries()) {
    for (const c of [0, 1, 2]) expect(Math.abs(drawn.pixels[i][c] - rgb[c]), `pixel (${x}, ${y}) channel ${c}`).toBeLessThanOrEqual(2);
  }
}

/** Every box drawn over `photo` lies where one of the API's boxes lands on the photo as shown, within a pixel and a half. */
async function expectBoxesOn(photo: Locator, boxes: Locator, result: DetectResult) {
  const shown = result.detections.filter((d) => d.score >= MIN_SCORE);
  await expect(boxes).toHaveCount(shown.length);
  const frame = (await photo.boundingBox())!;
  const scale = frame.width / result.image.width;
  expect(frame.height / result.image.height, "the photo keeps its aspect ratio").toBeCloseTo(scale, 2);
  const clamp = (v: number, high: number) => Math.min(high, Math.max(0, v));
  const expected = shown.map(({ box }) => ({
    x: frame.x + clamp(box.x1, result.image.width) * scale,
    y: frame.y + clamp(box.y1, result.image.height) * scale,
    right: frame.x + clamp(box.x2, result.image.width) * scale,
    bottom: frame.y + clamp(box.y2, result.image.height) * scale,
  }));
  for (const rect of await boxes.all()) {
    const outline = Number((await rect.getAttribute("stroke-width")) ?? (await rect.evaluate((e) => getComputedStyle(e).strokeWidth)).replace("px", ""));
    const drawn = (await rect.boundingBox())!;
    const edges = {
      x: drawn.x + outline / 2,
      y: drawn.y + outline / 2,
      right: drawn.x + drawn.width - outline / 2,
      bottom: drawn.y + drawn.height - outline / 2,
    };
    const apart = Math.min(
      ...expected.map((e) => Math.max(Math.abs(e.x - edges.x), Math.abs(e.y - edges.y), Math.abs(e.right - edges.right), Math.abs(e.bottom - edges.bottom))),
    );
    expect(apart, `a drawn box at ${JSON.stringify(edges)} is one of the API's`).toBeLessThan(1.5);
  }
}

/** Delete a photo this spec kept, so that the specs after it find the server as they expect. */
async function forget(page: Page, imageId: number) {
  const adminKey = process.env.SIGHTLINE_ADMIN_KEY;
  if (!adminKey) return;
  const response = await page.request.delete(`/api/v1/images/${imageId}`, { headers: { "X-Admin-Key": adminKey } });
  expect(response.status()).toBe(204);
}

for (const viewport of WIDTHS) {
  test.describe(`${viewport.width} px wide`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test.beforeEach(async ({ page }) => {
      await page.goto("/");
      await expect(page.getByLabel("Model")).toHaveValue(/.+/);
    });

    test("a sideways TIFF shows upright with its boxes, on Detect and, kept, in History, Review and its link", async ({ page, browser }, testInfo) => {
      await page.getByRole("switch", { name: "Keep for review" }).check();
      // A copy of its own (bytes after the TIFF's end change no pixel), so no other kept photo is this one.
      const mine = { ...sideways, name: `${viewport.name}-${sideways.name}`, buffer: Buffer.concat([sideways.buffer, Buffer.from(viewport.name)]) };
      const result = await upload(page, mine);
      const imageId = result.stored!.image_id;
      try {
        expect(result.image).toEqual({ width: 768, height: 576 });
        expect(result.detections.filter((d) => d.score >= MIN_SCORE).map((d) => d.label)).toContain("dog");
        const photo = page.getByTestId("photo");
        await expectDogPicture(photo);
        await expectBoxesOn(photo, page.locator("rect[data-testid^=box-]"), result);
        await expect(page.getByText("768×576 px")).toBeVisible();
        await expectNoSidewaysScroll(page);
        await expectAccessible(page, "Detect with a TIFF");
        await saveScreenshot(page, testInfo, `tiff-${viewport.name}-1-detect`);

        await page.goto("/#/history");
        const card = page.getByTestId(`photo-card-${imageId}`);
        await expect(card.getByTestId("photo-name")).toHaveText(mine.name);
        await expectDogPicture(card.getByRole("img", { name: `Photo #${imageId}` }));
        await saveScreenshot(page, testInfo, `tiff-${viewport.name}-2-history`);

        await card.locator("a.photo-card-link").click();
        await expect(page).toHaveURL(new RegExp(`#/images/${imageId}$`));
        // Detect stays in the page behind Review, with its own photo: this is the kept one.
        const kept = page.locator(`img[data-testid=photo][alt="Photo #${imageId}"]`);
        await expectDogPicture(kept);
        await expectBoxesOn(kept, page.locator("rect[data-testid^=edit-box-]"), result);
        await expectNoSidewaysScroll(page);
        await expectAccessible(page, "Review of a kept TIFF");
        await saveScreenshot(page, testInfo, `tiff-${viewport.name}-3-review`);

        // The result's link, opened in a fresh page with nothing of this one's state.
        const fresh = await (await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } })).newPage();
        await fresh.goto(`/#/images/${imageId}`);
        const linked = fresh.locator(`img[data-testid=photo][alt="Photo #${imageId}"]`);
        await expectDogPicture(linked);
        await expectBoxesOn(linked, fresh.locator("rect[data-testid^=edit-box-]"), result);
        await fresh.context().close();
      } finally {
        await forget(page, imageId);
      }
    });

    test("a TIFF of two pages shows the first, the one the detector looked at, and says so", async ({ page }, testInfo) => {
      const result = await upload(page, twoPages);
      expect(result.image).toEqual({ width: 768, height: 576 });
      await expect(page.getByTestId("pages-note")).toContainText("holds 2 pages");
      await expect(page.getByTestId("pages-note")).toContainText("first page");
      await expectDogPicture(page.getByTestId("photo"));
      await expectBoxesOn(page.getByTestId("photo"), page.locator("rect[data-testid^=box-]"), result);
      await expectAccessible(page, "Detect with a TIFF of two pages");
      await saveScreenshot(page, testInfo, `tiff-${viewport.name}-4-pages`);
    });

    test("the batch grid shows a TIFF's thumbnail with its boxes", async ({ page }, testInfo) => {
      await page.getByLabel("Choose a photo").setInputFiles([sideways, sample("horses.jpg")]);
      const card = page.getByTestId("batch-card").filter({ hasText: sideways.name });
      await expect(card.getByTestId("batch-count")).toBeVisible();
      await expectDogPicture(card.getByTestId("batch-thumbnail"));
      await expect(card.locator('rect[data-label="dog"]')).toHaveCount(1);
      await saveScreenshot(page, testInfo, `tiff-${viewport.name}-5-batch`);
    });
  });
}
