/**
 * What an evaluation is made of, against a real server and its models: the precision-recall curves, each
 * model's operating point, the photos it got wrong with their boxes drawn and a way to review them, and
 * promoting a model together with its operating point as its score threshold.
 * It keeps and reviews a photo of its own; photos other specs reviewed join the evaluation, and it
 * asserts nothing about them.
 */
import type { DetectResult, Evaluation } from "../src/api/types";
import { expect, saveScreenshot, test } from "./fixtures";
import { ownCopy, sample } from "./photos";

test.describe.configure({ mode: "serial" });
// Promoting needs the admin key; without it the promotion part is skipped, the rest still runs.
const adminKey = process.env.SIGHTLINE_ADMIN_KEY;
let evaluation: Evaluation;
let reviewedPhoto: number;

test("draws the curves, the operating points and the photos a model got wrong", async ({ page }, testInfo) => {
  // Another photo kept and reviewed, with an object the reviewer drew that neither model finds: a giraffe
  // in the sky of person.jpg, a labelling mistake the photo errors should lead back to.
  const kept = await page.request.post("/api/v1/images", { multipart: { image: ownCopy("person.jpg", "pr-curves") } });
  expect(kept.status()).toBe(201);
  reviewedPhoto = ((await kept.json()) as { id: number }).id;
  const giraffe = { label: "giraffe", box: { x1: 5, y1: 5, x2: 60, y2: 40 } };
  const reviewed = await page.request.post(`/api/v1/images/${reviewedPhoto}/feedback`, { data: { missed: [giraffe], reviewed: true } });
  expect(reviewed.ok()).toBe(true);

  await page.goto("/#/evaluate");
  await page.getByLabel("Photos with known boxes").selectOption("reviewed");
  // The two float models; their int8 variants and the ensemble of both are compared in lifecycle.spec.ts.
  for (const other of ["nanodet-int8", "centernet-int8", "nanodet+centernet"]) {
    const box = page.getByRole("checkbox", { name: other, exact: true });
    if (await box.count()) await box.uncheck();
  }
  const started = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/evaluations" && r.request().method() === "POST");
  await page.getByRole("button", { name: "Run evaluation" }).click();
  const id = ((await (await started).json()) as Evaluation).id;
  // An earlier evaluation may be on show at first: wait for this one.
  await expect(page.getByRole("heading", { name: `Evaluation #${id}` })).toBeVisible();
  await expect(page.getByTestId("evaluation-status")).toHaveText("done", { timeout: 90_000 });
  evaluation = (await (await page.request.get(`/api/v1/evaluations/${id}`)).json()) as Evaluation;

  // One line per model through COCO's 101 recall points, its area the model's AP@50 in the API.
  const chart = page.getByRole("img", { name: "Precision against recall for all classes (mean): nanodet and centernet" });
  await expect(chart).toBeVisible();
  for (const result of evaluation.results) {
    const line = chart.getByTestId(`pr-curve-${result.model}`);
    expect((await line.getAttribute("points"))!.split(" ")).toHaveLength(101);
    const area = result.curves!.precision!.reduce((sum, p) => sum + p, 0) / 101;
    await expect(page.getByTestId(`pr-legend-${result.model}`)).toHaveText(new RegExp(`${result.model}: AP@50 ${area.toFixed(3)}`));
    expect(Math.abs(area - result.metrics.map_50!)).toBeLessThan(1e-4);
  }
  const someClass = Object.keys(evaluation.results[0].curves!.per_class)[0];
  await page.getByLabel("Class of the curves").selectOption(someClass);
  await expect(page.getByRole("img", { name: new RegExp(`for ${someClass}: `) })).toBeVisible();

  for (const result of evaluation.results) {
    const point = result.operating_point!;
    const row = page.getByTestId(`operating-point-${result.model}`);
    await expect(row).toContainText(point.score_threshold.toFixed(3));
    await expect(row).toContainText(`${point.true_positives} / ${point.false_positives} / ${point.missed}`);
  }

  // Neither model finds the giraffe: CenterNet's errors include that photo, drawn.
  await page.getByLabel("Model whose errors are shown").selectOption("centernet");
  const errors = evaluation.results.find((r) => r.model === "centernet")!.photo_errors!;
  const worst = errors.find((e) => e.image_id === reviewedPhoto)!;
  expect(worst.missed.map((m) => m.label)).toContain("giraffe");
  const counts = errors.map((e) => e.false_positives.length + e.missed.length);
  expect(counts).toEqual([...counts].sort((a, b) => b - a));
  const card = page.getByTestId(`photo-errors-${worst.image_id}`);
  await expect(card).toBeVisible();
  const drawn = card.getByRole("img", { name: new RegExp(`false positives?, ${worst.missed.length} missed`) });
  await expect(drawn.locator("rect")).toHaveCount(worst.false_positives.length + worst.missed.length);
  // The photo itself, fetched through the API, is under the boxes.
  const photo = card.getByRole("img", { name: worst.file_name, exact: true });
  await expect(photo).toHaveJSProperty("complete", true);
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(worst.width);
  await saveScreenshot(page, testInfo, "evaluate-2-curves-and-errors");

  // A mistake that is really the labels' goes to the photo's review.
  await card.getByRole("link", { name: "Review this photo" }).click();
  await expect(page).toHaveURL(new RegExp(`#/images/${worst.image_id}$`));
  await expect(page.getByRole("heading", { name: `Photo #${worst.image_id}` })).toBeVisible();
});

test("promotes a model with its operating point; the Detect page still gets every box above its floor", async ({ page }) => {
  test.skip(!adminKey, "the server under test has no admin key to promote with");
  const original = (await (await page.request.get("/api/v1/models/default")).json()).name as string;
  const point = evaluation.results.find((r) => r.model === "centernet")!.operating_point!;
  await page.goto("/#/evaluate");
  await expect(page.getByRole("heading", { name: `Evaluation #${evaluation.id}` })).toBeVisible();
  await expect(page.getByTestId("evaluation-status")).toHaveText("done");
  await page.getByLabel("Model to make the default").selectOption("centernet");
  await page.getByLabel(/Also make its operating point/).check();
  await page.getByLabel("Admin key").fill(adminKey!);
  await page.getByRole("button", { name: /^(Make centernet the default|Set centernet's score threshold)$/ }).click();
  await expect(page.getByRole("status").filter({ hasText: `at least ${point.score_threshold.toFixed(3)}` })).toBeVisible();

  // A client that gives no threshold now gets CenterNet's boxes from its operating point up.
  const dog = sample("dog.jpg");
  const plain = (await (await page.request.post("/api/v1/detect", { multipart: { image: dog } })).json()) as DetectResult;
  expect(plain.model.name).toBe("centernet");
  expect(Math.min(...plain.detections.map((d) => d.score))).toBeGreaterThanOrEqual(point.score_threshold - 1e-4);

  // The page asks for everything from 5% up and filters with its slider: lower boxes still arrive.
  await page.goto("/");
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/detect");
  await page.getByLabel(/Choose (a|another) photo/).setInputFiles(dog);
  const response = await answer;
  expect(new URL(response.url()).searchParams.get("score_threshold")).toBe("0.05");
  const shown = (await response.json()) as DetectResult;
  expect(Math.min(...shown.detections.map((d) => d.score))).toBeLessThan(point.score_threshold);
  expect(shown.detections.length).toBeGreaterThan(plain.detections.length);

  await page.request.put("/api/v1/models/default", { data: { model: original }, headers: { "X-Admin-Key": adminKey! } });
});
