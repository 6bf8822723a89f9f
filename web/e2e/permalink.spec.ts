/**
 * A kept photo's result has a link that reopens it: copied from the Detect screen, opened in a fresh
 * page, it shows the stored photo with the same boxes; a bad or deleted photo's link says it is not found.
 */
import AxeBuilder from "@axe-core/playwright";
import type { DetectResult } from "../src/api/types";
import { expect, saveScreenshot, test } from "./fixtures";
import { ownCopy } from "./photos";

// The not-found photo's 404 is logged by the browser as an error.
test.use({ allowedConsoleErrors: [/status of 404/] });

for (const width of [390, 768, 1280]) {
  test(`the link copied from a kept result reopens the photo with its boxes at ${width} px`, async ({ page, browser }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto("/");
    await page.getByRole("switch", { name: "Keep for review" }).check();
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/detect" && r.request().method() === "POST");
    await page.getByLabel(/Choose (a|another) photo/).setInputFiles(ownCopy("dog.jpg", `permalink-${width}`));
    const result = (await (await answer).json()) as DetectResult;
    const imageId = result.stored!.image_id;
    const shown = result.detections.filter((d) => d.score >= 0.3).length;

    await page.getByRole("button", { name: "Copy link to this result" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Link copied" })).toBeVisible();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(new URL(link).hash).toBe(`#/images/${imageId}`);

    // A fresh page, nothing of the first one's state: the stored photo with the same boxes.
    const fresh = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
    await fresh.goto(link);
    await expect(fresh.locator("[data-testid^=review-row-d]")).toHaveCount(shown);
    const photo = fresh.getByRole("img", { name: /dog\.jpg|Photo #/ }).first();
    await expect.poll(() => photo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(result.image.width);
    await saveScreenshot(fresh, testInfo, `permalink-reopened-${width}`);

    const adminKey = process.env.SIGHTLINE_ADMIN_KEY;
    test.skip(!adminKey, "the server under test has no admin key to delete with");
    const deleted = await page.request.delete(`/api/v1/images/${imageId}`, { headers: { "X-Admin-Key": adminKey! } });
    expect(deleted.status()).toBe(204);
    await fresh.reload();
    await expect(fresh.getByRole("alert")).toContainText("Photo not found");
    await expect(fresh.getByRole("button", { name: "Try again" })).toHaveCount(0);
    await saveScreenshot(fresh, testInfo, `permalink-not-found-${width}`);
    const scan = await new AxeBuilder({ page: fresh }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(scan.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
    await fresh.context().close();
  });
}

test("a link to a photo that was never stored says it is not found", async ({ page }) => {
  await page.goto("/#/images/987654321");
  await expect(page.getByRole("alert")).toContainText("Photo not found");
  await expect(page.getByRole("button", { name: "Try again" })).toHaveCount(0);
});
