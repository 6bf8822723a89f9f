/**
 * The page against a server started with SIGHTLINE_API_KEYS: it says a key is needed, takes one and
 * goes on with what the user was doing, keeps it across a reload, shows kept photos with it, and
 * forgets it.
 */
import type { Page } from "@playwright/test";
import { expect, saveScreenshot, test } from "./fixtures";
import { sample } from "./photos";

// The "api-keys" project runs only against a server with keys; without one it fails rather than pass unseen.
const apiKey = process.env.SIGHTLINE_E2E_API_KEY ?? "";
test.beforeAll(() => {
  if (!apiKey || !process.env.SIGHTLINE_URL_WITH_KEYS) {
    throw new Error("no server with API keys to test against: run e2e/serve-and-test.sh, which starts one");
  }
});
// Every request without the key, or with a wrong one, is refused on purpose; the browser logs each 401.
test.use({ allowedConsoleErrors: [/the server responded with a status of 401/] });

const DETECT_PATH = "/api/v1/detect";

/** The notification that starts with `title`. */
const alertTitled = (page: Page, title: string) => page.getByRole("alert").filter({ hasText: title });

async function naturalWidth(page: Page, alt: string) {
  return page.getByAltText(alt).evaluate((image: HTMLImageElement) => image.naturalWidth);
}

test("asks for the key, then detects the photo chosen before it was given", async ({ page }, testInfo) => {
  await page.goto("/");
  const models = alertTitled(page, "Could not load the list of models");
  await expect(models).toContainText("this server needs an API key");
  await expect(models).toContainText("HTTP 401");

  await page.getByLabel("Choose a photo").setInputFiles(sample("dog.jpg"));
  const detection = alertTitled(page, "Detection failed");
  await expect(detection).toContainText("this server needs an API key");
  await saveScreenshot(page, testInfo, "api-key-1-asked");

  await detection.getByLabel("API key").fill("not the key");
  await detection.getByRole("button", { name: "Save and try again" }).click();
  await expect(detection).toContainText("the API key is not valid");

  const request = page.waitForRequest((r) => new URL(r.url()).pathname === DETECT_PATH);
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === DETECT_PATH && r.status() === 200);
  await detection.getByLabel("API key").fill(apiKey);
  await detection.getByRole("button", { name: "Save and try again" }).click();
  expect((await request).headers()["x-api-key"]).toBe(apiKey);
  const result = await answer;
  const boxes = ((await result.json()) as { detections: { score: number }[] }).detections.filter((d) => d.score >= 0.3);
  expect(boxes.length).toBeGreaterThan(0);

  await expect(page.locator("rect[data-testid^=box-]")).toHaveCount(boxes.length);
  await expect(page.getByText(/^dog\.jpg · 768×576 px/)).toBeVisible();
  await expect(page.getByLabel("Model")).toHaveValue(/.+/);
  await expect(page.getByRole("alert")).toHaveCount(0);
  await saveScreenshot(page, testInfo, "api-key-2-detected");
});

test("keeps the key across a reload, shows kept photos with it, and forgets it", async ({ page }) => {
  await page.goto("/");
  await expect(alertTitled(page, "Could not load the list of models")).toBeVisible();
  await page.getByRole("button", { name: "API key" }).click();
  await page.getByRole("dialog", { name: "API key" }).getByLabel("API key").fill(apiKey);
  await page.getByRole("button", { name: "Save the key" }).click();
  await expect(page.getByLabel("Model")).toHaveValue(/.+/);
  await expect(page.getByRole("alert")).toHaveCount(0);

  await page.reload();
  await expect(page.getByLabel("Model")).toHaveValue(/.+/);
  await page.getByRole("switch", { name: "Keep for review" }).check();
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === DETECT_PATH);
  await page.getByLabel("Choose a photo").setInputFiles(sample("horses.jpg"));
  const imageId = ((await (await answer).json()) as { stored: { image_id: number } }).stored.image_id;

  // Stored photos come from /api routes, which an <img> alone could not open without the key.
  await page.getByRole("link", { name: "History" }).click();
  await expect(page.getByTestId(`photo-card-${imageId}`)).toBeVisible();
  await expect.poll(() => naturalWidth(page, `Photo #${imageId}`)).toBeGreaterThan(0);
  await page.getByTestId(`photo-card-${imageId}`).click();
  await expect(page.getByRole("heading", { name: `Photo #${imageId}` })).toBeVisible();
  await expect.poll(() => naturalWidth(page, `Photo #${imageId}`)).toBeGreaterThan(0);
  await expect(page.getByRole("alert")).toHaveCount(0);

  await page.getByRole("button", { name: "API key" }).click();
  await page.getByRole("button", { name: "Forget the key" }).click();
  await expect(page.getByTestId("api-key-state")).toContainText("No key saved");
  await page.keyboard.press("Escape");
  await expect(alertTitled(page, "Could not reload the photo")).toContainText("this server needs an API key");
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
});
