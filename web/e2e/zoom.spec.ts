/**
 * Zooming and panning a photo on the Detect screen keeps every box on the photo pixels it outlines:
 * with the buttons, by dragging, with the keyboard, with Ctrl + wheel and with a two-finger pinch, at a
 * phone's, a tablet's and a desktop's width; the tags' text stays one size on screen at any zoom.
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

/** Choose dog.jpg and wait for its boxes; returns the API's answer and its dog. */
async function showDog(page: Page) {
  await page.goto("/");
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/detect");
  await page.getByLabel("Choose a photo").setInputFiles(sample("dog.jpg"));
  const result = (await (await answer).json()) as DetectResult;
  await expect(page.getByTestId("shown-count")).toBeVisible();
  const dog = result.detections.find((d) => d.label === "dog")!;
  expect(dog).toBeDefined();
  // The whole photo in the window, where the pointer and the fingers can reach it.
  await page.getByTestId("zoom-frame").scrollIntoViewIfNeeded();
  const fitted = await dogPlacement(page, result.image);
  // A drawn pixel at fit spans image.width / photo.width photo pixels; allow a few of them.
  const tolerance = (4 * result.image.width) / fitted.photo.width;
  return { result, dog, tag: page.getByTestId(`tag-${result.detections.indexOf(dog)}`), fitted, tolerance };
}

/** The photo is shown `level` percent (as the page says, rounded) as wide as at fit. */
function expectZoomedBy(zoomed: Placement, fitted: Placement, level: number) {
  expect(Math.abs((100 * zoomed.photo.width) / fitted.photo.width - level)).toBeLessThan(1);
}

/** The photo pixel under a point on the screen. */
function photoPixelAt(placement: Placement, point: { x: number; y: number }, image: { width: number; height: number }) {
  return {
    x: ((point.x - placement.photo.left) / placement.photo.width) * image.width,
    y: ((point.y - placement.photo.top) / placement.photo.height) * image.height,
  };
}

/** Two fingers on the photo, `from` px either side of `centre`, spread to `to` px (Chromium's touch input). */
async function pinch(page: Page, centre: { x: number; y: number }, from: number, to: number) {
  const cdp = await page.context().newCDPSession(page);
  const fingers = (half: number) => [
    { x: centre.x - half, y: centre.y, id: 0 },
    { x: centre.x + half, y: centre.y, id: 1 },
  ];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: fingers(from) });
  for (let step = 1; step <= 10; step++) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: fingers(from + ((to - from) * step) / 10) });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
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

    test("Ctrl + wheel zooms in at the pointer, the boxes staying on the photo", async ({ page }, testInfo) => {
      const { result, dog, fitted, tolerance } = await showDog(page);
      // The pointer over the dog's box, a third of the way in.
      const frame = (await page.getByTestId("zoom-frame").boundingBox())!;
      const drawn = (await page.locator('[data-label="dog"]').first().boundingBox())!;
      const pointer = { x: drawn.x + drawn.width / 3, y: drawn.y + drawn.height / 3 };
      expect(pointer.y).toBeLessThan(frame.y + frame.height);
      const under = photoPixelAt(fitted, pointer, result.image);
      const scrolled = await page.evaluate(() => window.scrollY);

      await page.mouse.move(pointer.x, pointer.y);
      await page.keyboard.down("Control");
      await page.mouse.wheel(0, -200);
      await page.keyboard.up("Control");
      await expect(page.getByTestId("zoom-level")).not.toHaveText("100%");
      const level = Number((await page.getByTestId("zoom-level").textContent())!.replace("%", ""));
      expect(level).toBeGreaterThan(100);
      const zoomed = await dogPlacement(page, result.image);
      expectZoomedBy(zoomed, fitted, level);
      expectCovers(zoomed, dog.box, tolerance);
      // The photo grew around the pointer: the same photo pixel is still under it.
      const stillUnder = photoPixelAt(zoomed, pointer, result.image);
      expect(Math.abs(stillUnder.x - under.x)).toBeLessThan(tolerance);
      expect(Math.abs(stillUnder.y - under.y)).toBeLessThan(tolerance);
      // The wheel zoomed the photo, not the page, and did not scroll it.
      expect(await page.evaluate(() => window.visualViewport?.scale ?? 1)).toBe(1);
      expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
      await saveScreenshot(page, testInfo, `zoom-${viewport.name}-ctrl-wheel`);

      // A plain wheel leaves the zoom as it is.
      await page.mouse.wheel(0, 100);
      await expect(page.getByTestId("zoom-level")).toHaveText(`${level}%`);
    });

    test("zoomed in, the tags keep their text one size on screen, beside their boxes", async ({ page }, testInfo) => {
      const { result, dog, tag, fitted, tolerance } = await showDog(page);
      await expect(tag).toHaveText(/^dog \d+%$/);
      const atFit = (await tag.boundingBox())!;
      expect(atFit.height).toBeCloseTo(20, 0);
      // Two clicks double the zoom: 200%, then 400%.
      for (const level of [200, 400]) {
        for (let click = 0; click < 2; click++) await page.getByRole("button", { name: "Zoom in" }).click();
        await expect(page.getByTestId("zoom-level")).toHaveText(`${level}%`);
        const zoomed = await dogPlacement(page, result.image);
        expectZoomedBy(zoomed, fitted, level);
        expectCovers(zoomed, dog.box, tolerance);
        // The tag is as tall and as wide on screen as at fit: its 12 px text did not grow with the photo.
        const onScreen = (await tag.boundingBox())!;
        expect(Math.abs(onScreen.height - atFit.height)).toBeLessThan(0.5);
        expect(Math.abs(onScreen.width - atFit.width)).toBeLessThan(0.5);
        // And it still sits on its box's edge: touching or inside the dog's drawn box.
        const box = (await page.locator('[data-label="dog"]').first().boundingBox())!;
        const touches =
          onScreen.x < box.x + box.width + 2 &&
          box.x < onScreen.x + onScreen.width + 2 &&
          onScreen.y < box.y + box.height + 2 &&
          box.y < onScreen.y + onScreen.height + 2;
        expect(touches, `the dog's tag at ${level}% is on its box`).toBe(true);
        // The box's outline stays 2 px on screen too.
        const outline = Number(await page.locator('[data-label="dog"]').first().getAttribute("stroke-width"));
        expect(outline * (level / 100)).toBeCloseTo(2, 5);
      }
      await page.getByTestId("zoom-frame").focus();
      await saveScreenshot(page, testInfo, `zoom-${viewport.name}-400-tags`);
      await expectNoSeriousViolations(page);
    });
  });

  test.describe(`${viewport.width} px wide, by touch`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height }, hasTouch: true });

    test("a two-finger pinch zooms in around the fingers, the boxes staying on the photo", async ({ page }, testInfo) => {
      const { result, dog, fitted, tolerance } = await showDog(page);
      const centre = { x: fitted.photo.left + fitted.photo.width / 2, y: fitted.photo.top + fitted.photo.height / 2 };
      const under = photoPixelAt(fitted, centre, result.image);
      await pinch(page, centre, 30, 130);
      await expect(page.getByTestId("zoom-level")).not.toHaveText("100%");
      const level = Number((await page.getByTestId("zoom-level").textContent())!.replace("%", ""));
      expect(level).toBeGreaterThan(150);
      const zoomed = await dogPlacement(page, result.image);
      expectZoomedBy(zoomed, fitted, level);
      expectCovers(zoomed, dog.box, tolerance);
      const stillUnder = photoPixelAt(zoomed, centre, result.image);
      expect(Math.abs(stillUnder.x - under.x)).toBeLessThan(tolerance);
      expect(Math.abs(stillUnder.y - under.y)).toBeLessThan(tolerance);
      // The photo zoomed, not the page.
      expect(await page.evaluate(() => window.visualViewport?.scale ?? 1)).toBe(1);
      await saveScreenshot(page, testInfo, `zoom-${viewport.name}-pinched`);
    });
  });
}
