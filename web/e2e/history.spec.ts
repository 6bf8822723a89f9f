/**
 * The History screen against a real server: each card names its photo and counts its boxes at the
 * page's score, and a kept photo is deleted from its card with the admin key, a wrong key refused
 * in plain words beside the button.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import type { DetectResult } from "../src/api/types";
import { expect, saveScreenshot, test } from "./fixtures";
import { ownCopy } from "./photos";

const WIDTHS = [
  { width: 390, height: 844, name: "phone" },
  { width: 768, height: 1024, name: "tablet" },
  { width: 1280, height: 900, name: "desktop" },
];

// The browser logs the refused delete's 403 as an error.
test.use({ allowedConsoleErrors: [/status of 403/] });

async function expectAccessible(page: Page, state: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(bad, `accessibility violations on ${state}`).toEqual([]);
}

for (const viewport of WIDTHS) {
  test(`a kept photo's card names it, counts its boxes, and deletes it with the admin key at ${viewport.width} px`, async ({ page }, testInfo) => {
    const adminKey = process.env.SIGHTLINE_ADMIN_KEY;
    test.skip(!adminKey, "the server under test has no admin key to delete with");
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const photo = ownCopy("dog.jpg", `history-${viewport.width}`);
    const kept = await page.request.post("/api/v1/detect?score_threshold=0.05&store=true", {
      multipart: { image: { name: photo.name, mimeType: photo.mimeType, buffer: photo.buffer } },
    });
    expect(kept.status()).toBe(200);
    const result = (await kept.json()) as DetectResult;
    const imageId = result.stored!.image_id;
    const boxes = result.detections.filter((d) => d.score >= 0.3).length;

    await page.goto("/#/history");
    const card = page.getByTestId(`photo-card-${imageId}`);
    await expect(card.getByTestId("photo-name")).toHaveText("dog.jpg");
    await expect(card.getByTestId("photo-box-count")).toHaveText(`${boxes} ${boxes === 1 ? "box" : "boxes"} at score ≥ 30%`);

    await card.getByRole("button", { name: "Delete" }).click();
    const form = card.getByRole("form", { name: `Delete photo #${imageId}` });
    await expect(form).toContainText("Delete dog.jpg");
    await expect(form).toContainText("This cannot be undone.");
    await form.getByLabel("Admin key").fill("not-the-key");
    await form.getByRole("button", { name: "Delete for good" }).click();
    await expect(form.getByRole("alert")).toHaveText("That admin key was refused. Check it and try again.");
    // Refused: the photo is still stored.
    expect((await page.request.get(`/api/v1/images/${imageId}`)).status()).toBe(200);
    await card.scrollIntoViewIfNeeded();
    await saveScreenshot(page, testInfo, `history-delete-refused-${viewport.name}`);
    await expectAccessible(page, "History, delete refused");

    await form.getByLabel("Admin key").fill(adminKey!);
    await form.getByRole("button", { name: "Delete for good" }).click();
    await expect(card).toHaveCount(0);
    expect((await page.request.get(`/api/v1/images/${imageId}`)).status()).toBe(404);
    await saveScreenshot(page, testInfo, `history-after-delete-${viewport.name}`);
  });
}
