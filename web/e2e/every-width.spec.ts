/**
 * The page at a phone's, a tablet's and a desktop's width against a real server: nothing scrolls
 * sideways, tags never cover each other, keyboard focus and colours are usable, a slow server is
 * said to be slow, and every screen passes an automated accessibility scan.
 */
import type { Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { DetectResult, StoredImage } from "../src/api/types";
import { expect, saveScreenshot, test } from "./fixtures";
import { expectAccessible, expectNoSidewaysScroll, WIDTHS } from "./page-checks";
import { ownCopy, sample, type PhotoFile } from "./photos";

const DETECT_PATH = "/api/v1/detect";
const detectUrl = (url: URL) => url.pathname === DETECT_PATH;

async function upload(page: Page, photo: PhotoFile): Promise<DetectResult> {
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === DETECT_PATH && r.request().method() === "POST");
  await page.getByLabel(/Choose (a|another) photo/).setInputFiles(photo);
  const response = await answer;
  expect(response.status()).toBe(200);
  await expect(page.getByTestId("shown-count")).toBeVisible();
  return (await response.json()) as DetectResult;
}

/** Keep `name` on the server with its prediction, as "Keep for review" does; returns the stored photo. */
async function keep(page: Page, name: string): Promise<StoredImage> {
  const photo = ownCopy(name, "every-width");
  const response = await page.request.post(`${DETECT_PATH}?score_threshold=0.05&store=true`, {
    multipart: { image: { name: photo.name, mimeType: photo.mimeType, buffer: photo.buffer } },
  });
  expect(response.status()).toBe(200);
  const result = (await response.json()) as DetectResult;
  return (await (await page.request.get(`/api/v1/images/${result.stored!.image_id}`)).json()) as StoredImage;
}

/** Delete a photo this spec kept, so that the specs after it find the server as they expect. */
async function forget(page: Page, imageId: number) {
  const adminKey = process.env.SIGHTLINE_ADMIN_KEY;
  if (!adminKey) return;
  const response = await page.request.delete(`/api/v1/images/${imageId}`, { headers: { "X-Admin-Key": adminKey } });
  expect(response.status()).toBe(204);
}

/** The on-screen rectangles of every detection tag, checked pairwise for overlap. */
async function expectTagsApart(page: Page) {
  const tags = await page.locator(".detection-tag").evaluateAll((elements) =>
    elements.map((e) => ({ text: e.textContent, ...e.getBoundingClientRect().toJSON() }) as { text: string; x: number; y: number; width: number; height: number }),
  );
  const overlapping: string[] = [];
  for (const [i, a] of tags.entries()) {
    for (const b of tags.slice(i + 1)) {
      const apart = a.x + a.width <= b.x + 0.5 || b.x + b.width <= a.x + 0.5 || a.y + a.height <= b.y + 0.5 || b.y + b.height <= a.y + 0.5;
      if (!apart) overlapping.push(`${a.text} / ${b.text}`);
    }
  }
  expect(overlapping, "tags covering each other").toEqual([]);
  return tags.length;
}

for (const viewport of WIDTHS) {
  test.describe(`${viewport.width} px wide`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test.beforeEach(async ({ page }) => {
      await page.goto("/");
      await expect(page.getByLabel("Model")).toHaveValue(/.+/);
    });

    test("every screen fits the width, and the screens are one tap away", async ({ page }, testInfo) => {
      const menu = page.getByRole("button", { name: "Menu" });
      for (const screen of ["History", "Evaluate", "Stats", "Detect"]) {
        if (viewport.width < 1024) {
          await expect(page.getByRole("link", { name: screen, exact: true, includeHidden: true })).toBeHidden();
          await menu.click();
          await expect(menu).toHaveAttribute("aria-expanded", "true");
          if (screen === "History") await saveScreenshot(page, testInfo, `${viewport.name}-1-menu`);
        } else {
          await expect(menu).toBeHidden();
        }
        await expect(page.getByRole("button", { name: "API key" })).toBeInViewport();
        await page.getByRole("link", { name: screen, exact: true }).click();
        await expect(page.getByRole("link", { name: screen, exact: true, includeHidden: true })).toHaveAttribute("aria-current", "page");
        // The menu folds away again once a screen is chosen.
        if (viewport.width < 1024) await expect(menu).toHaveAttribute("aria-expanded", "false");
        await expectNoSidewaysScroll(page);
      }
    });

    test("tags on busy photos never cover each other, on the page or in the PNG", async ({ page }, testInfo) => {
      for (const name of ["voc_cafeteria.jpg", "horses.jpg", "dog.jpg"]) {
        const result = await upload(page, sample(name));
        const shown = result.detections.filter((d) => d.score >= 0.3).length;
        const drawn = await expectTagsApart(page);
        if (drawn < shown) {
          // Only where the photo is too small to hold them all, and the page says so.
          expect(viewport.width, `${name}: every tag is drawn`).toBeLessThan(768);
          await expect(page.getByTestId("tags-left-out")).toContainText(`${shown - drawn} of ${shown} tags`);
          const best = result.detections.map((d, index) => ({ ...d, index })).sort((a, b) => b.score - a.score)[0];
          await expect(page.getByTestId(`tag-${best.index}`)).toBeVisible();
        }
        await expectNoSidewaysScroll(page);
        if (name === "voc_cafeteria.jpg") await saveScreenshot(page, testInfo, `${viewport.name}-2-busy-photo`);
      }
      // The busiest: lower the score so that every candidate has a tag; none may cover another.
      await upload(page, sample("voc_cafeteria.jpg"));
      await page.getByLabel("Minimum score").fill("0.1");
      await expectTagsApart(page);
    });

    test("a chosen photo's results get the keyboard focus, and Choose a photo shows it has it", async ({ page }) => {
      const picker = page.getByLabel("Choose a photo");
      // Tab from the top of the page until the picker has the focus, as a keyboard user would.
      for (let step = 0; step < 20 && !(await picker.evaluate((e) => e === document.activeElement)); step++) {
        await page.keyboard.press("Tab");
      }
      await expect(picker).toBeFocused();
      const ring = await page.locator(".file-cta").first().evaluate((e) => getComputedStyle(e).outlineStyle);
      expect(ring).toBe("solid");
      await upload(page, sample("dog.jpg"));
      await expect(page.getByRole("heading", { name: /^Detections/ })).toBeFocused();
    });

    test("every tag's text has 4.5:1 contrast on its colour", async ({ page }) => {
      await upload(page, sample("voc_cafeteria.jpg"));
      await page.getByLabel("Minimum score").fill("0.05");
      const ratios = await page.locator("[data-testid^=tag-]").evaluateAll((elements) =>
        elements.map((e) => {
          const style = getComputedStyle(e);
          const rgb = (c: string) => c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
          const lum = (c: string) => {
            const [r, g, b] = rgb(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const [hi, lo] = [lum(style.color), lum(style.backgroundColor)].sort((a, b) => b - a);
          return { text: e.textContent, ratio: (hi + 0.05) / (lo + 0.05) };
        }),
      );
      expect(ratios.length).toBeGreaterThan(10);
      expect(ratios.filter((r) => r.ratio < 4.5)).toEqual([]);
    });

    test("an animated GIF is shown still, as the frame the detector looked at", async ({ page }, testInfo) => {
      const gif = { name: "dog-animated.gif", mimeType: "image/gif", buffer: readFileSync(path.join(import.meta.dirname, "media/dog-animated.gif")) };
      await upload(page, gif);
      await expect(page.getByTestId("animated-note")).toContainText("first frame");
      // The GIF changes frame every 300 ms; the photo on screen must not.
      const photo = page.getByTestId("photo");
      const before = await photo.screenshot();
      await page.waitForTimeout(700);
      expect((await photo.screenshot()).equals(before), "the photo stays still").toBe(true);
      await saveScreenshot(page, testInfo, `${viewport.name}-3-animated-gif`);
    });

    test("a server that does not answer is said to be slow, with Retry", async ({ page }, testInfo) => {
      await page.clock.install();
      let held = 0;
      await page.route(detectUrl, async (route) => {
        held += 1;
        // The first request hangs; the retry goes through.
        if (held === 1) return;
        await route.continue();
      });
      await page.getByLabel("Choose a photo").setInputFiles(sample("dog.jpg"));
      await expect(page.getByText(/Detecting objects/)).toBeVisible();
      await expect(page.getByTestId("slow-server")).toHaveCount(0);
      await page.clock.fastForward(16_000);
      await expect(page.getByTestId("slow-server")).toContainText("slow");
      await saveScreenshot(page, testInfo, `${viewport.name}-4-slow-server`);
      await page.getByRole("button", { name: "Retry" }).click();
      await expect(page.getByTestId("shown-count")).toBeVisible();
      expect(held).toBe(2);
    });

    test("History says a slow server is slow, with Retry", async ({ page }) => {
      await page.clock.install();
      let held = 0;
      await page.route((url) => url.pathname === "/api/v1/images", async (route) => {
        held += 1;
        if (held === 1) return;
        await route.continue();
      });
      await page.goto("/#/history");
      await expect(page.getByLabel("Loading photos")).toBeVisible();
      await page.clock.fastForward(16_000);
      await page.getByTestId("slow-server").getByRole("button", { name: "Retry" }).click();
      await expect(page.getByTestId("history-total")).toBeVisible();
    });

    test("the overlap (IoU) setting sits by the score slider and asks the server again", async ({ page }) => {
      const first = page.waitForRequest((r) => new URL(r.url()).pathname === DETECT_PATH);
      await upload(page, sample("horses.jpg"));
      expect(new URL((await first).url()).searchParams.get("iou_threshold")).toBe("0.5");
      const again = page.waitForResponse((r) => new URL(r.url()).pathname === DETECT_PATH);
      await page.getByLabel("Overlap allowed (IoU)").fill("0.9");
      const response = await again;
      expect(new URL(response.url()).searchParams.get("iou_threshold")).toBe("0.9");
      await expect(page.getByTestId("iou-value")).toHaveText("90%");
      const result = (await response.json()) as DetectResult;
      await expect(page.getByTestId("shown-count")).toHaveText(String(result.detections.filter((d) => d.score >= 0.3).length));
      const [score, overlap] = [
        (await page.getByLabel("Minimum score").boundingBox())!,
        (await page.getByLabel("Overlap allowed (IoU)").boundingBox())!,
      ];
      expect(Math.abs(overlap.y - score.y), "the two sliders are next to each other").toBeLessThan(160);
    });

    test("an example photo can be tried with one click", async ({ page }, testInfo) => {
      await saveScreenshot(page, testInfo, `${viewport.name}-0-empty`);
      const answer = page.waitForResponse((r) => new URL(r.url()).pathname === DETECT_PATH);
      await page.getByRole("button", { name: "Try the example photo: Horses" }).click();
      const result = (await (await answer).json()) as DetectResult;
      expect(result.image).toEqual({ width: 773, height: 512 });
      await expect(page.getByTestId("shown-count")).toHaveText(String(result.detections.filter((d) => d.score >= 0.3).length));
      await expect(page.getByText("horses.jpg · 773×512 px")).toBeVisible();
    });

    test("with Keep on, the page says that each new run adds a prediction", async ({ page }) => {
      await page.getByRole("switch", { name: "Keep for review" }).check();
      const result = await upload(page, sample("dog.jpg"));
      await expect(page.getByTestId("keep-help")).toContainText("kept as one more prediction");
      await forget(page, result.stored!.image_id);
    });

    if (viewport.width === 1280) {
      test("at 1280x900 the detections and the downloads are in sight next to the photo", async ({ page }) => {
        await upload(page, sample("voc_cafeteria.jpg"));
        await expect(page.getByRole("button", { name: "Download PNG" })).toBeInViewport({ ratio: 1 });
        await expect(page.getByRole("table", { name: "Detections" }).locator("tbody tr").first()).toBeInViewport();
      });
    }

    test("the Detect screen passes the accessibility scan, empty and with a result", async ({ page }) => {
      await expectAccessible(page, "Detect, empty");
      await upload(page, sample("horses.jpg"));
      await expectAccessible(page, "Detect with a result");
    });
  });
}

test.describe("kept photos at every width", () => {
  test.describe.configure({ mode: "serial" });
  // Refusing a wrong admin key is part of a test; the browser logs the 403 as an error.
  test.use({ allowedConsoleErrors: [/status of 403/] });
  let image: StoredImage;

  test("a reviewed photo to evaluate on", async ({ page }) => {
    image = await keep(page, "voc_cafeteria.jpg");
    const detections = image.predictions[0].detections.filter((d) => d.score >= 0.3);
    const response = await page.request.post(`/api/v1/images/${image.id}/feedback`, {
      data: { detections: detections.map((d) => ({ detection_id: d.id, verdict: "correct" })), missed: [], reviewed: true },
    });
    expect(response.status()).toBe(200);
    const started = await page.request.post("/api/v1/evaluations", { data: { dataset: "reviewed", models: ["nanodet", "centernet"] } });
    expect(started.status()).toBe(202);
    const { id } = await started.json();
    await expect
      .poll(async () => (await (await page.request.get(`/api/v1/evaluations/${id}`)).json()).status, { timeout: 90_000 })
      .toBe("done");
  });

  for (const viewport of WIDTHS) {
    test(`Review, History, Evaluate and Stats at ${viewport.width} px`, async ({ page }, testInfo) => {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.goto(`/#/images/${image.id}`);
      const row = page.locator("[data-testid^=review-row-d]").first();
      await expect(row).toBeVisible();
      const correct = row.getByRole("button", { name: "Correct" });
      await correct.scrollIntoViewIfNeeded();
      // The verdict buttons are inside the window, not beyond a table that scrolls sideways.
      const box = (await correct.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      await expect(correct).toBeInViewport({ ratio: 1 });
      await expectNoSidewaysScroll(page);
      await expectTagsApart(page);
      await saveScreenshot(page, testInfo, `${viewport.name}-5-review`);
      await expectAccessible(page, "Review");

      await page.goto("/#/history");
      const card = page.getByTestId(`photo-card-${image.id}`);
      await expect(card).toBeVisible();
      // The card names the photo and counts the boxes its prediction has at the page's 0.3.
      await expect(card.getByTestId("photo-name")).toHaveText("voc_cafeteria.jpg");
      const boxes = image.predictions[0].detections.filter((d) => d.score >= 0.3).length;
      await expect(card.getByTestId("photo-box-count")).toHaveText(`${boxes} ${boxes === 1 ? "box" : "boxes"} at score ≥ 30%`);
      await expectNoSidewaysScroll(page);
      await saveScreenshot(page, testInfo, `${viewport.name}-5-history`);
      await expectAccessible(page, "History");

      await page.goto("/#/evaluate");
      await expect(page.getByTestId("evaluation-status")).toHaveText("done");
      await expectNoSidewaysScroll(page);
      // Chart text is drawn at its own size, not shrunk with the chart.
      const labelHeights = await page.locator(".metric-chart text").evaluateAll((texts) => texts.map((t) => t.getBoundingClientRect().height));
      expect(Math.min(...labelHeights)).toBeGreaterThanOrEqual(12);
      // Nothing in the chart reaches past its box.
      const chart = (await page.locator(".metric-chart").boundingBox())!;
      const rightmost = await page.locator(".metric-chart text, .metric-chart rect").evaluateAll((nodes) => Math.max(...nodes.map((n) => n.getBoundingClientRect().right)));
      expect(rightmost).toBeLessThanOrEqual(chart.x + chart.width + 0.5);
      // The precision-recall chart too: its text drawn at least 12 px high, inside its box.
      const prChart = page.locator(".pr-curve-chart");
      await expect(prChart.locator("svg")).toBeVisible();
      const prHeights = await prChart.locator("text").evaluateAll((texts) => texts.map((t) => t.getBoundingClientRect().height));
      expect(Math.min(...prHeights)).toBeGreaterThanOrEqual(12);
      const prBox = (await prChart.boundingBox())!;
      const prRightmost = await prChart.locator("text, polyline").evaluateAll((nodes) => Math.max(...nodes.map((n) => n.getBoundingClientRect().right)));
      const svgWidth = await prChart.locator("svg").getAttribute("width");
      expect(prRightmost, `chart box ${JSON.stringify(prBox)}, drawn ${svgWidth} wide`).toBeLessThanOrEqual(prBox.x + prBox.width + 0.5);
      await saveScreenshot(page, testInfo, `${viewport.name}-6-evaluate`);
      await expectAccessible(page, "Evaluate");

      await page.goto("/#/stats");
      await expect(page.getByTestId("stat-images")).toBeVisible();
      await expectNoSidewaysScroll(page);
      await expectAccessible(page, "Stats");
    });
  }

  test("a refused admin key is said next to the button; after promoting, Detect offers the new default", async ({ page }, testInfo) => {
    const adminKey = process.env.SIGHTLINE_ADMIN_KEY;
    test.skip(!adminKey, "the server under test has no admin key to promote with");
    await page.setViewportSize({ width: 390, height: 844 });
    const original = (await (await page.request.get("/api/v1/models/default")).json()).name as string;
    const target = original === "nanodet" ? "centernet" : "nanodet";
    await page.goto("/");
    await expect(page.getByLabel("Model")).toHaveValue(original);

    await page.goto("/#/evaluate");
    await page.getByLabel("Model to make the default").selectOption(target);
    await page.getByLabel("Admin key").fill("not the key");
    const button = page.getByRole("button", { name: `Make ${target} the default` });
    await button.click();
    const problem = page.getByText("That admin key was refused.");
    await expect(problem).toBeInViewport();
    const [buttonBox, problemBox] = [(await button.boundingBox())!, (await problem.boundingBox())!];
    expect(Math.abs(problemBox.y - (buttonBox.y + buttonBox.height)), "the message sits right under the button").toBeLessThan(80);
    await expect(page.getByText(/header/i)).toHaveCount(0);
    await saveScreenshot(page, testInfo, "phone-7-admin-key-refused");

    await page.getByLabel("Admin key").fill(adminKey!);
    await button.click();
    await expect(page.getByText(`${target} is now the default model.`)).toBeVisible();
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: "Detect", exact: true }).click();
    await expect(page.getByLabel("Model")).toHaveValue(target);
    await expect(page.getByLabel("Model").locator("option:checked")).toContainText("default");

    await page.request.put("/api/v1/models/default", { data: { model: original }, headers: { "X-Admin-Key": adminKey! } });
  });

  test.afterAll(async ({ playwright }) => {
    const adminKey = process.env.SIGHTLINE_ADMIN_KEY;
    if (!image || !adminKey) return;
    const api = await playwright.request.newContext({ baseURL: process.env.SIGHTLINE_URL ?? "http://127.0.0.1:8000" });
    await api.delete(`/api/v1/images/${image.id}`, { headers: { "X-Admin-Key": adminKey } });
    await api.dispose();
  });
});
