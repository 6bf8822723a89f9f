/**
 * A reviewed photo's ground truth is exactly what its reviewer judged and drew: the page keeps every
 * candidate scoring at least 0.05, shows those above the slider (0.30 by default), and the dataset
 * `sightline dataset export` writes afterwards holds the judged and drawn boxes, none of the rest.
 */
import type { DetectResult, StoredImage } from "../src/api/types";
import { boxKey, exportDataset, exportedBoxes } from "./exported";
import { expect, saveScreenshot, test } from "./fixtures";
import { distinctCopy } from "./photos";

test("a photo reviewed with the default slider exports exactly its judged and drawn boxes", async ({ page }, testInfo) => {
  test.skip(!process.env.SIGHTLINE_E2E_DATA_DIR, "needs the server's data folder (web/e2e/serve-and-test.sh sets it)");
  await page.goto("/");
  await page.getByRole("switch", { name: "Keep for review" }).check();
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/detect");
  await page.getByLabel(/Choose (a|another) photo/).setInputFiles(distinctCopy("dog.jpg", "truth"));
  const result = (await (await answer).json()) as DetectResult;
  const imageId = result.stored!.image_id;
  await page.getByRole("link", { name: "Review its boxes" }).click();
  await expect(page.getByRole("heading", { name: `Photo #${imageId}` })).toBeVisible();
  // The Detect screen stays in the page, hidden: look inside the review.
  const review = page.getByRole("region", { name: `Photo #${imageId}` });
  await expect(review.getByTestId("score-value")).toHaveText("30%");

  const before = (await (await page.request.get(`/api/v1/images/${imageId}`)).json()) as StoredImage;
  const candidates = before.predictions[0].detections;
  const shown = candidates.filter((d) => d.score >= 0.3);
  expect(candidates.length, "the page keeps the low-score candidates too").toBeGreaterThan(shown.length + 20);
  await expect(page.locator("[data-testid^=review-row-d]")).toHaveCount(shown.length);

  const row = (id: number) => page.getByTestId(`review-row-d${id}`);
  const [rejected, relabelled, ...confirmed] = shown;
  await row(rejected.id).focus();
  await page.keyboard.press("x");
  await row(relabelled.id).getByRole("combobox").selectOption("horse");
  for (const detection of confirmed) {
    await row(detection.id).focus();
    await page.keyboard.press("c");
  }
  const photo = (await review.getByTestId("photo").boundingBox())!;
  await page.getByRole("button", { name: "Draw a missed object" }).click();
  await page.mouse.move(photo.x + 10, photo.y + 10);
  await page.mouse.down();
  await page.mouse.move(photo.x + 70, photo.y + 60, { steps: 5 });
  await page.mouse.up();
  await page.getByRole("combobox", { name: "Label of the drawn object" }).selectOption("cat");

  const truthCount = shown.length - 1 + 1;
  await expect(page.getByTestId("truth-summary")).toContainText(`Saving counts ${truthCount} boxes as this photo’s ground truth`);
  await saveScreenshot(page, testInfo, "review-truth-1-judged");
  await page.getByRole("button", { name: "Save and mark reviewed" }).click();
  await expect(page.getByText("Review saved.")).toBeVisible();

  const after = (await (await page.request.get(`/api/v1/images/${imageId}`)).json()) as StoredImage;
  expect(after.review_score_threshold).toBe(0.3);
  const expected = [
    { label: "horse", box: relabelled.box },
    ...confirmed.map((d) => ({ label: d.label, box: d.box })),
    { label: "cat", box: after.missed_objects[0].box },
  ];

  const boxes = exportedBoxes(exportDataset(), after.sha256);
  expect(boxes, "the reviewed photo is in the export").not.toBeNull();
  expect(boxes).toHaveLength(expected.length);
  expect(boxes!.map(boxKey).sort()).toEqual(expected.map(boxKey).sort());
});
