/**
 * Zooming and panning a photo on the Detect screen keeps every box on the photo pixels it outlines:
 * with the buttons, by dragging, and with the keyboard, at a phone's, a tablet's and a desktop's width.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import type { DetectResult } from "../src/api/types";
import { expect, saveScreenshot, test } from "./fixtures";
import { sample } from "./photos";

const WIDTHS = [
  { width: 390, height: 844, name: "phone" },
  { width: 768, height: 1024, name: "tablet" },
  { width: 1280, height: 900, name: "desktop" },
];

interface Placement {
  /** The photo element's rectangle on screen. */
  photo: { left: number; top: number; width: number; height: number };
  /** The dog's drawn box, in the photo's own pixels as the page shows them now. */
  box: { x1: number; y1: number; x2: number; y2: number };
}

/** Where the dog's box is drawn, measured relative to the photo element and turned into photo pixels. */
async function dogPlacement(page: Page, image: { width: number; height: number }): Promise<Placement> {
  const photo = (await page.getByTestId("photo").boundingBox())!;
  const drawn = (await page.locator('[data-label="dog"]').first().boundingBox())!;
  const toPhotoX = (x: number) => ((x - photo.x) / photo.width) * image.width;
  const toPhotoY = (y: number) => ((y - photo.y) / photo.height) * image.height;
  return {
    photo: { left: photo.x, top: photo.y, width: photo.width, height: photo.height },
    box: {
      x1: toPhotoX(drawn.x),
      y1: toPhotoY(drawn.y),
      x2: toPhotoX(drawn.x + drawn.width),
      y2: toPhotoY(drawn.y + drawn.height),
    },
  };
}

/** The drawn box covers the API's box, to within a few photo pixels (the stroke and rounding). */
function expectCovers(placement: Placement, box: DetectResult["detections"][number]["box"], tolerance: number) {
  expect(Math.abs(placement.box.x1 - box.x1)).toBeLessThan(tolerance);
  expect(Math.abs(placement.box.y1 - box.y1)).toBeLessThan(tolerance);
  expect(Math.abs(placement.box.x2 - box.x2)).toBeLessThan(tolerance);
  expect(Math.abs(placement.box.y2 - box.y2)).toBeLessThan(tolerance);
}

async function expectNoSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(bad, "accessibility violations on the zoomed photo").toEqual([]);
}

for (const viewport of WIDTHS) {
  test.describe(`${viewport.width} px wide`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("zooming and panning keep the boxes on the photo pixels they outline", async ({ page }, testInfo) => {
      await page.goto("/");
      const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/detect");
      await page.getByLabel("Choose a photo").setInputFiles(sample("dog.jpg"));
      const result = (await (await answer).json()) as DetectResult;
      await expect(page.getByTestId("shown-count")).toBeVisible();
      const dog = result.detections.find((d) => d.label === "dog")!;
      expect(dog).toBeDefined();

      const fitted = await dogPlacement(page, result.image);
      // A drawn pixel at fit spans image.width / photo.width photo pixels; allow a few of them.
      const tolerance = (4 * result.image.width) / fitted.photo.width;
      expectCovers(fitted, dog.box, tolerance);
      await expect(page.getByTestId("zoom-level")).toHaveText("100%");

      await page.getByRole("button", { name: "Zoom in" }).click();
      await page.getByRole("button", { name: "Zoom in" }).click();
      await expect(page.getByTestId("zoom-level")).toHaveText("200%");
      const zoomed = await dogPlacement(page, result.image);
      expect(zoomed.photo.width).toBeCloseTo(2 * fitted.photo.width, 0);
      expectCovers(zoomed, dog.box, tolerance);
      await saveScreenshot(page, testInfo, `zoom-${viewport.name}-200`);
      await expectNoSeriousViolations(page);

      // Drag the photo: it moves under the pointer, and the box with it.
      const frame = (await page.getByTestId("zoom-frame").boundingBox())!;
      const centre = { x: frame.x + frame.width / 2, y: frame.y + frame.height / 2 };
      await page.mouse.move(centre.x, centre.y);
      await page.mouse.down();
      await page.mouse.move(centre.x - 60, centre.y - 40, { steps: 5 });
      await page.mouse.up();
      const dragged = await dogPlacement(page, result.image);
      expect(dragged.photo.left).toBeLessThan(zoomed.photo.left - 30);
      expectCovers(dragged, dog.box, tolerance);

      // The keyboard does the same: 0 brings the photo back to fit, + zooms, an arrow moves it.
      await page.getByTestId("zoom-frame").focus();
      await page.keyboard.press("0");
      await expect(page.getByTestId("zoom-level")).toHaveText("100%");
      const reset = await dogPlacement(page, result.image);
      expect(reset.photo.left).toBeCloseTo(fitted.photo.left, 0);
      expect(reset.photo.width).toBeCloseTo(fitted.photo.width, 0);
      expectCovers(reset, dog.box, tolerance);
      await expect(page.getByRole("button", { name: "Reset zoom" })).toBeDisabled();

      await page.keyboard.press("+");
      await page.keyboard.press("+");
      await expect(page.getByTestId("zoom-level")).toHaveText("200%");
      const beforeArrow = await dogPlacement(page, result.image);
      await page.keyboard.press("ArrowLeft");
      // Measured once the page has drawn the move (a busy machine may take a frame or two).
      await expect.poll(async () => (await dogPlacement(page, result.image)).photo.left).toBeGreaterThan(beforeArrow.photo.left + 20);
      const afterArrow = await dogPlacement(page, result.image);
      expectCovers(afterArrow, dog.box, tolerance);
      await saveScreenshot(page, testInfo, `zoom-${viewport.name}-panned`);

      await page.getByRole("button", { name: "Reset zoom" }).click();
      await expect(page.getByTestId("zoom-level")).toHaveText("100%");
      expect((await dogPlacement(page, result.image)).photo.width).toBeCloseTo(fitted.photo.width, 0);
    });
  });
}
