/**
 * Several photos at once on the Detect screen, against a real server: they go to the batch
 * endpoint, come back as a grid (boxes, name, object count, a refused photo's own error), each
 * opens the full view, more than one request's worth is split, and Keep for review keeps each.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page, Response } from "@playwright/test";
import type { DetectResult } from "../src/api/types";
import { expect, saveScreenshot, test } from "./fixtures";
import { ownCopy, sample, truncated } from "./photos";

const WIDTHS = [
  { width: 390, height: 844, name: "phone" },
  { width: 768, height: 1024, name: "tablet" },
  { width: 1280, height: 900, name: "desktop" },
];
const BATCH_PATH = "/api/v1/detect/batch";
const MIN_SCORE = 0.3;

const isBatch = (response: Response) => new URL(response.url()).pathname === BATCH_PATH;

async function expectNoSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(bad, "accessibility violations on the results grid").toEqual([]);
}

const card = (page: Page, name: string) => page.getByTestId("batch-card").filter({ hasText: name });

for (const viewport of WIDTHS) {
  test.describe(`${viewport.width} px wide`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });
    // The refused photo's batch request, and then the photo alone, are answered 4xx, which the browser logs.
    // Playwright's trace snapshots fetch the page's blob: thumbnails, which the page's CSP (connect-src
    // 'self') blocks and logs; with --trace off the page logs no such line.
    test.use({ allowedConsoleErrors: [/status of 4(00|22)|Connecting to 'blob:[^']*' violates[^"]*"connect-src/] });

    test("several photos come back as a grid, each with its boxes, count or error, each opening the full view", async ({ page }, testInfo) => {
      await page.goto("/");
      const batchAnswer = page.waitForResponse(isBatch);
      // The last photo's bytes stop half way: the server refuses it, the others still get their boxes.
      await page.getByLabel("Choose a photo").setInputFiles([sample("dog.jpg"), sample("horses.jpg"), truncated("person.jpg", 3000)]);
      expect((await batchAnswer).request().method()).toBe("POST");
      await expect(page.getByTestId("batch-card")).toHaveCount(3);
      await expect(page.getByTestId("batch-progress")).toHaveText("3 photos");

      // Sent alone after its batch was refused, each photo has its own answer: count what it found.
      const dogAnswer = await page.request.post(`/api/v1/detect?score_threshold=0.05&iou_threshold=0.5&max_detections=300`, {
        multipart: { image: { ...sample("dog.jpg"), mimeType: "image/jpeg" } },
      });
      const dog = (await dogAnswer.json()) as DetectResult;
      const dogCount = dog.detections.filter((d) => d.score >= MIN_SCORE).length;
      await expect(card(page, "dog.jpg").getByTestId("batch-count")).toHaveText(`${dogCount} objects`);
      await expect(card(page, "dog.jpg").locator('rect[data-label="dog"]')).toHaveCount(1);
      await expect(card(page, "horses.jpg").locator('rect[data-label="horse"]').first()).toBeVisible();
      await expect(card(page, "truncated-person.jpg").getByTestId("batch-error")).toContainText(/truncated|decode|image/i);
      await expect(card(page, "truncated-person.jpg").getByRole("button", { name: /Open/ })).toHaveCount(0);
      await saveScreenshot(page, testInfo, `batch-${viewport.name}-grid`);
      await expectNoSeriousViolations(page);

      // A card opens the full view with that photo's answer, without sending it again.
      let sentAgain = 0;
      page.on("request", (request) => {
        if (new URL(request.url()).pathname.startsWith("/api/v1/detect")) sentAgain++;
      });
      await card(page, "dog.jpg").getByRole("button", { name: "Open dog.jpg" }).click();
      await expect(page.getByTestId("shown-count")).toHaveText(String(dogCount));
      await expect(page.getByTestId("photo")).toHaveAttribute("alt", "Your photo dog.jpg");
      await expect(page.locator('[data-testid="detection-overlay"] rect[data-label="dog"]')).toHaveCount(1);
      expect(sentAgain).toBe(0);
      await saveScreenshot(page, testInfo, `batch-${viewport.name}-opened`);

      await page.getByRole("button", { name: "← All 3 photos" }).click();
      await expect(page.getByTestId("batch-card")).toHaveCount(3);
    });
  });
}

test("more photos than one request takes go in several requests, every one answered", async ({ page }) => {
  await page.goto("/");
  const answers: Response[] = [];
  page.on("response", (response) => {
    if (isBatch(response)) answers.push(response);
  });
  // The server's default is at most 16 photos per request.
  const photos = Array.from({ length: 17 }, (_, i) => ({ ...sample("coffee.jpg"), name: `coffee-${i + 1}.jpg` }));
  await page.getByLabel("Choose a photo").setInputFiles(photos);
  await expect(page.getByTestId("batch-progress")).toHaveText("17 photos", { timeout: 110_000 });
  await expect(page.getByTestId("batch-count")).toHaveCount(17);
  const sizes = await Promise.all(answers.map(async (answer) => ((await answer.json()) as { results: unknown[] }).results.length));
  expect(sizes).toEqual([16, 1]);
});

test("with Keep for review on, several photos are each kept", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("switch", { name: "Keep for review" }).check();
  const batchAnswer = page.waitForResponse(isBatch);
  await page.getByLabel("Choose a photo").setInputFiles([ownCopy("dog.jpg", "batch"), ownCopy("chelsea.jpg", "batch")]);
  const response = await batchAnswer;
  expect(new URL(response.url()).searchParams.get("store")).toBe("true");
  const { results } = (await response.json()) as { results: DetectResult[] };
  await expect(page.getByTestId("batch-count")).toHaveCount(2);
  const kept = results.map((result) => result.stored?.image_id);
  expect(kept.every((id) => typeof id === "number")).toBe(true);
  expect(new Set(kept).size).toBe(2);
  for (const [position, id] of kept.entries()) {
    const stored = await page.request.get(`/api/v1/images/${id}`);
    expect(stored.status()).toBe(200);
    expect((await stored.json()).file_name).toBe(["dog.jpg", "chelsea.jpg"][position]);
  }
  // Leave the server as the other specs expect it.
  for (const id of kept) {
    const gone = await page.request.delete(`/api/v1/images/${id}`, { headers: { "X-Admin-Key": process.env.SIGHTLINE_ADMIN_KEY ?? "" } });
    expect(gone.status()).toBe(204);
  }
});
