/**
 * Live detection from the camera, with Chromium's fake camera playing a y4m video made from
 * samples/dog.jpg: the dog's box is drawn over the video, the frame rate shows a number, Stop ends it.
 * The camera is offered on the empty Detect screen and beside a photo's result, which Stop comes back to.
 */
import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { FAKE_CAMERA_VIDEO } from "../playwright.config";
import { expect, SAMPLES, saveScreenshot, test } from "./fixtures";
import { sample } from "./photos";

const PYTHON = path.resolve(import.meta.dirname, "../../.venv/bin/python");
// YUV4MPEG2 4:2:0: a header, then per frame the Y plane and the Cb and Cr planes at half size.
const WRITE_Y4M = `
import sys
from PIL import Image
photo = Image.open(sys.argv[1]).convert("YCbCr")
width, height = photo.width // 2 * 2, photo.height // 2 * 2
y, cb, cr = photo.crop((0, 0, width, height)).split()
half = (width // 2, height // 2)
frame = y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + cr.resize(half, Image.BILINEAR).tobytes()
with open(sys.argv[2], "wb") as out:
    out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\\n".encode())
    for _ in range(10):
        out.write(b"FRAME\\n" + frame)
`;

const WIDTHS = [
  { width: 390, height: 844, name: "phone" },
  { width: 768, height: 1024, name: "tablet" },
  { width: 1280, height: 900, name: "desktop" },
];

test.beforeAll(() => {
  mkdirSync(path.dirname(FAKE_CAMERA_VIDEO), { recursive: true });
  execFileSync(PYTHON, ["-c", WRITE_Y4M, path.join(SAMPLES, "dog.jpg"), FAKE_CAMERA_VIDEO]);
});

for (const viewport of WIDTHS) {
  test(`draws the detector's boxes on the camera's picture at ${viewport.width} px, with the frame rate`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.goto("/");
    let frames = 0;
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/v1/detect") frames++;
    });
    await page.getByRole("button", { name: "Use the camera" }).click();
    const overlay = page.getByTestId("detection-overlay");
    await expect(overlay.locator('rect[data-label="dog"]')).toHaveCount(1);
    await expect(page.getByTestId("camera-fps")).toHaveText(/^\d+(\.\d)? frames per second$/);
    // Frames keep going: each answer brings the next one.
    await expect.poll(() => frames).toBeGreaterThan(2);

    // The box lies on the video where the dog is (x 130-343 of 768 in the photo).
    const shownVideo = (await page.getByTestId("camera-video").boundingBox())!;
    const dog = (await overlay.locator('rect[data-label="dog"]').boundingBox())!;
    const left = ((dog.x - shownVideo.x) / shownVideo.width) * 768;
    const right = ((dog.x + dog.width - shownVideo.x) / shownVideo.width) * 768;
    expect(Math.abs(left - 130)).toBeLessThan(40);
    expect(Math.abs(right - 343)).toBeLessThan(40);
    await saveScreenshot(page, testInfo, `webcam-${viewport.name}`);
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
    expect(bad).toEqual([]);

    await page.getByRole("button", { name: "Stop" }).click();
    await expect(page.getByTestId("camera-video")).toHaveCount(0);
    const sent = frames;
    await page.waitForTimeout(1000);
    expect(frames).toBeLessThanOrEqual(sent + 1);
  });
}

for (const viewport of WIDTHS) {
  test(`the camera starts from a photo's result, and Stop comes back to it, at ${viewport.width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.goto("/");
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/detect" && r.request().method() === "POST");
    await page.getByLabel("Choose a photo").setInputFiles(sample("horses.jpg"));
    await answer;
    await expect(page.getByTestId("shown-count")).toBeVisible();
    const photoBoxes = await page.locator('[data-testid^="box-"][data-label="horse"]').count();
    expect(photoBoxes).toBeGreaterThan(0);

    const start = page.getByRole("button", { name: "Use the camera" });
    // Beside "Choose another photo", above the photo (a phone shows the result's list first: it scrolls up to it).
    await expect(start).toBeVisible();
    await expect(page.getByTestId("upload-panel").getByRole("button", { name: "Use the camera" })).toHaveCount(1);
    await start.click();
    // The camera's picture replaces the photo, with its own boxes: the dog, no horses.
    const overlay = page.getByTestId("detection-overlay");
    await expect(page.getByTestId("camera-video")).toBeVisible();
    await expect(overlay.locator('rect[data-label="dog"]')).toHaveCount(1);
    await expect(overlay.locator('rect[data-label="horse"]')).toHaveCount(0);
    await expect(page.getByTestId("camera-fps")).toHaveText(/frames per second$/);
    await expect(page.getByTestId("photo")).toHaveCount(0);
    // The photo's detection list is not shown beside the camera's boxes.
    await expect(page.getByTestId("shown-count")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Use the camera" })).toHaveCount(0);
    // The button that started it is gone: the keyboard focus is on Stop, not lost to the page.
    await expect(page.getByRole("button", { name: "Stop" })).toBeFocused();
    await saveScreenshot(page, testInfo, `webcam-from-result-${viewport.name}`);
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

    await page.keyboard.press("Enter");
    await expect(page.getByTestId("camera-video")).toHaveCount(0);
    // Back to the photo's result as it was.
    await expect(page.getByTestId("photo")).toBeVisible();
    await expect(page.locator('[data-testid^="box-"][data-label="horse"]')).toHaveCount(photoBoxes);
    await expect(page.getByRole("heading", { name: /^Detections \d+$/ })).toBeFocused();
    await expect(page.getByRole("button", { name: "Use the camera" })).toBeVisible();
    await saveScreenshot(page, testInfo, `webcam-from-result-stopped-${viewport.name}`);
  });
}

test("says so plainly when the camera is refused", async ({ page, context }) => {
  await context.clearPermissions();
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  });
  await page.goto("/");
  await page.getByRole("button", { name: "Use the camera" }).click();
  await expect(page.getByTestId("camera-problem")).toHaveText(/The camera was refused/);
});
