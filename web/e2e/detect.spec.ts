/**
 * The Detect screen against a real server and model: upload, boxes where the API put them,
 * filters that do not call the API, model choice, downloads, and every kind of failure.
 */
import { readFileSync } from "node:fs";
import type { DetectResult } from "../src/api/types";
import { expect, saveScreenshot, test } from "./fixtures";
import {
  DEFAULT_MIN_SCORE,
  DETECT_PATH,
  expectBoxesOnPhoto,
  isDetectRequest,
  shownAt,
  upload,
} from "./detect-screen";
import { sample, truncated, withExifOrientation } from "./photos";

/** Matches the detect endpoint whatever its query string, for `page.route`. */
const detectUrl = (url: URL) => url.pathname === DETECT_PATH;

test.beforeEach(async ({ page }) => {
  await page.goto("/");
  await expect(page.getByLabel("Model")).toHaveValue(/.+/);
});

test("detects objects in a real photo and draws the API's boxes where they belong", async ({ page }, testInfo) => {
  await saveScreenshot(page, testInfo, "detect-1-empty");
  await expect(page.getByText(/416×416 input/)).toBeVisible();

  const request = page.waitForRequest((r) => isDetectRequest(r.url(), r.method()));
  const result = await upload(page, sample("dog.jpg"));
  expect(new URL((await request).url()).searchParams.get("score_threshold")).toBe("0.05");

  expect(result.image).toEqual({ width: 768, height: 576 });
  expect(shownAt(result, DEFAULT_MIN_SCORE).map((d) => d.label)).toEqual(expect.arrayContaining(["dog", "bicycle"]));
  await expectBoxesOnPhoto(page, result);
  await expect(page.getByTestId("inference-time")).toContainText(result.model.name);
  await expect(page.getByTestId("inference-time")).toContainText("inference");
  await saveScreenshot(page, testInfo, "detect-2-result");
});

test("keeps the boxes on the photo when the window is resized", async ({ page }) => {
  const result = await upload(page, sample("horses.jpg"));
  for (const viewport of [
    { width: 700, height: 900 },
    { width: 1700, height: 1000 },
  ]) {
    await page.setViewportSize(viewport);
    await expectBoxesOnPhoto(page, result);
  }
});

test("aligns boxes on a photo that EXIF turns upright", async ({ page }) => {
  const result = await upload(page, withExifOrientation("dog.jpg", 6));
  expect(result.image).toEqual({ width: 576, height: 768 });
  const photo = (await page.getByTestId("photo").boundingBox())!;
  expect(photo.height).toBeGreaterThan(photo.width);
  await expectBoxesOnPhoto(page, result);
});

test("the score slider and the class filter redraw at once without calling the API", async ({ page }, testInfo) => {
  const result = await upload(page, sample("dog.jpg"));
  let detectRequests = 0;
  page.on("request", (r) => {
    if (isDetectRequest(r.url(), r.method())) detectRequests += 1;
  });

  const slider = page.getByLabel("Minimum score");
  await slider.focus();
  for (let step = 0; step < 20; step++) await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("score-value")).toHaveText("50%");
  await expectBoxesOnPhoto(page, result, 0.5);

  await page.keyboard.press("Home");
  await expect(page.getByTestId("score-value")).toHaveText("5%");
  await expect(page.locator("rect[data-testid^=box-]")).toHaveCount(shownAt(result, 0.05).length);

  await page.keyboard.press("End");
  await expect(page.locator("rect[data-testid^=box-]")).toHaveCount(shownAt(result, 1).length);
  await expect(page.getByTestId("detection-list-empty")).toBeVisible();

  for (let step = 0; step < 70; step++) await page.keyboard.press("ArrowLeft");
  await expect(page.getByTestId("score-value")).toHaveText("30%");
  await page.getByRole("button", { name: /^bicycle/ }).click();
  const withoutBicycles = shownAt(result, 0.3).filter((d) => d.label !== "bicycle");
  await expect(page.locator("rect[data-testid^=box-]")).toHaveCount(withoutBicycles.length);
  await expect(page.locator('rect[data-label="bicycle"]')).toHaveCount(0);
  await saveScreenshot(page, testInfo, "detect-3-filtered");

  await page.getByRole("button", { name: "Show all" }).click();
  await expectBoxesOnPhoto(page, result);
  expect(detectRequests).toBe(0);
});

test("pointing at a row highlights its box, and pointing at a box its row", async ({ page }) => {
  const result = await upload(page, sample("dog.jpg"));
  const [best, second] = shownAt(result, DEFAULT_MIN_SCORE);
  await page.getByTestId(`row-${second.index}`).hover();
  await expect(page.getByTestId(`box-${second.index}`)).toHaveClass(/is-highlighted/);
  await expect(page.getByTestId(`box-${best.index}`)).toHaveClass(/is-dimmed/);

  await page.getByTestId(`tag-${best.index}`).hover();
  await expect(page.getByTestId(`row-${best.index}`)).toHaveClass(/is-selected/);

  await page.getByTestId(`row-${second.index}`).focus();
  await expect(page.getByTestId(`box-${second.index}`)).toHaveClass(/is-highlighted/);
});

test("runs the model chosen in the selector on the same photo", async ({ page }) => {
  const first = await upload(page, sample("horses.jpg"));
  const models = await page.getByLabel("Model").locator("option").allTextContents();
  test.skip(models.length < 2, "the server offers a single model");
  const other = (await page.getByLabel("Model").locator("option").nth(1).getAttribute("value"))!;
  expect(other).not.toBe(first.model.name);

  const answer = page.waitForResponse((r) => isDetectRequest(r.url(), r.request().method()));
  await page.getByLabel("Model").selectOption(other);
  const second = (await (await answer).json()) as DetectResult;
  expect(second.model.name).toBe(other);
  await expect(page.getByTestId("inference-time")).toContainText(other);
  await expectBoxesOnPhoto(page, second);
});

test("the ensemble with one label per object puts a single label on the dog", async ({ page }, testInfo) => {
  await page.getByLabel("Model").selectOption("nanodet+centernet");
  const plain = await upload(page, sample("dog.jpg"));
  expect(plain.model.name).toBe("nanodet+centernet");

  const answer = page.waitForResponse((r) => isDetectRequest(r.url(), r.request().method()));
  await page.getByRole("checkbox", { name: "One label per object" }).check();
  const response = await answer;
  const params = new URL(response.url()).searchParams;
  expect([params.get("model"), params.get("agnostic_nms"), params.get("score_threshold")]).toEqual([
    "nanodet+centernet",
    "true",
    "0.05",
  ]);
  const agnostic = (await response.json()) as DetectResult;
  await expectBoxesOnPhoto(page, agnostic);
  // Every box shown has a label of its own object: no two overlapping boxes with different labels.
  const shown = shownAt(agnostic, DEFAULT_MIN_SCORE);
  const iou = (a: DetectResult["detections"][number]["box"], b: typeof a) => {
    const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
    const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
    const area = (r: typeof a) => (r.x2 - r.x1) * (r.y2 - r.y1);
    return (w * h) / (area(a) + area(b) - w * h);
  };
  for (const d of shown) {
    for (const e of shown) {
      if (d !== e && d.label !== e.label) expect(iou(d.box, e.box), `${d.label} on ${e.label}`).toBeLessThanOrEqual(0.5);
    }
  }
  expect(shown.filter((d) => d.label === "dog")).toHaveLength(1);
  await expect(page.getByRole("table", { name: "Detections" })).not.toContainText("cat");
  await saveScreenshot(page, testInfo, "detect-ensemble-one-label");
});

test("takes a photo dropped onto the page or pasted from the clipboard", async ({ page }) => {
  const bytes = sample("horses.jpg").buffer;
  const makeTransfer = () =>
    page.evaluateHandle((base64) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], "horses.jpg", { type: "image/jpeg" }));
      return transfer;
    }, bytes.toString("base64"));

  let answer = page.waitForResponse((r) => isDetectRequest(r.url(), r.request().method()));
  await page.getByTestId("upload-panel").dispatchEvent("drop", { dataTransfer: await makeTransfer() });
  await expectBoxesOnPhoto(page, (await (await answer).json()) as DetectResult);

  answer = page.waitForResponse((r) => isDetectRequest(r.url(), r.request().method()));
  const transfer = await makeTransfer();
  await page.evaluate((clipboardData) => {
    document.body.dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true }));
  }, transfer);
  await expectBoxesOnPhoto(page, (await (await answer).json()) as DetectResult);
});

test("downloads the annotated photo as PNG and the detections as JSON", async ({ page }) => {
  const result = await upload(page, sample("dog.jpg"));

  const png = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download PNG" }).click();
  const pngDownload = await png;
  expect(pngDownload.suggestedFilename()).toBe("dog-detections.png");
  const image = readFileSync(await pngDownload.path());
  expect(image.subarray(1, 4).toString("latin1")).toBe("PNG");
  expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([768, 576]);

  const json = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download JSON" }).click();
  const jsonDownload = await json;
  expect(jsonDownload.suggestedFilename()).toBe("dog-detections.json");
  const saved = JSON.parse(readFileSync(await jsonDownload.path(), "utf8"));
  expect(saved.image).toEqual(result.image);
  expect(saved.detections).toEqual(
    shownAt(result, DEFAULT_MIN_SCORE).map(({ label, class_id, score, box }) => ({ label, class_id, score, box })),
  );
});

test("asks the server to keep the photo only with Keep for review on", async ({ page }) => {
  const first = page.waitForRequest((r) => isDetectRequest(r.url(), r.method()));
  await upload(page, sample("dog.jpg"));
  expect(new URL((await first).url()).searchParams.has("store")).toBe(false);

  const second = page.waitForRequest((r) => isDetectRequest(r.url(), r.method()));
  await page.getByRole("switch", { name: "Keep for review" }).check();
  expect(new URL((await second).url()).searchParams.get("store")).toBe("true");
  await expect(page.getByTestId("shown-count")).toBeVisible();
});

test.describe("failures", () => {
  test.use({ allowedConsoleErrors: [/Failed to load resource/] });

  test("shows the server's message for a photo it cannot decode, and no endless progress", async ({ page }, testInfo) => {
    const answer = page.waitForResponse((r) => isDetectRequest(r.url(), r.request().method()));
    await page.getByLabel("Choose a photo").setInputFiles(truncated("dog.jpg", 60_000));
    const response = await answer;
    expect(response.status()).toBe(422);
    const { error } = await response.json();

    const alert = page.getByRole("alert");
    await expect(alert).toContainText("Detection failed");
    await expect(alert).toContainText(error.message);
    await expect(alert).toContainText(error.request_id);
    await expect(page.getByRole("status")).toHaveCount(0);
    await saveScreenshot(page, testInfo, "detect-4-server-error");
  });

  test("refuses a file that is not a photo before sending it", async ({ page }) => {
    let sent = false;
    page.on("request", (r) => {
      if (isDetectRequest(r.url(), r.method())) sent = true;
    });
    await page.getByLabel("Choose a photo").setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("not a photo"),
    });
    await expect(page.getByRole("alert")).toContainText("“notes.txt” is not a photo this page can send (text/plain)");
    expect(sent).toBe(false);
  });

  test("says the server cannot be reached when the network is down", async ({ page }) => {
    await page.route(detectUrl, (route) => route.abort("connectionrefused"));
    await page.getByLabel("Choose a photo").setInputFiles(sample("dog.jpg"));
    await expect(page.getByRole("alert")).toContainText("Could not reach the Sightline server");
    await expect(page.getByRole("status")).toHaveCount(0);

    await page.unroute(detectUrl);
    await page.getByRole("button", { name: "Try again" }).click();
    await expect(page.getByTestId("shown-count")).toBeVisible();
    await expect(page.getByRole("alert")).toHaveCount(0);
  });

  test("shows a server failure's message and request id", async ({ page }) => {
    await page.route(detectUrl, (route) =>
      route.fulfill({
        status: 500,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "internal_error", message: "internal server error", request_id: "e2e-500" } }),
      }),
    );
    await page.getByLabel("Choose a photo").setInputFiles(sample("dog.jpg"));
    const alert = page.getByRole("alert");
    await expect(alert).toContainText("internal server error");
    await expect(alert).toContainText("HTTP 500");
    await expect(alert).toContainText("e2e-500");
    await expect(page.getByRole("status")).toHaveCount(0);
  });
});
