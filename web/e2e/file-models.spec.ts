/**
 * Models brought as files: YOLO11n (raw) and YOLO26n (end-to-end) ONNX exports, a two-output
 * DETR-family ONNX file and a transformers RT-DETR checkpoint, built offline with random weights,
 * registered with `sightline models add` while the server runs, chosen in the Detect screen's model
 * picker and run on a sample photo, their boxes drawn.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expectBoxesOnPhoto, upload } from "./detect-screen";
import { expect, test } from "./fixtures";
import { sample } from "./photos";

const cli = process.env.SIGHTLINE_E2E_CLI!;
const python = path.join(path.dirname(cli), "python");
const builder = path.resolve(import.meta.dirname, "../../tests/reference_models.py");

const MODELS = [
  // minScore: where the page's score slider is set; the random RT-DETR's scores are all under the default 30%.
  { name: "e2e-yolo11n", built: "yolo11n", format: "onnx, yolo,", what: "a YOLO11n ONNX export", minScore: 0.3 },
  {
    name: "e2e-yolo26n",
    built: "yolo26n-end2end",
    format: "onnx, yolo-end2end,",
    what: "a YOLO26n end-to-end ONNX export",
    minScore: 0.3,
  },
  {
    name: "e2e-rf-detr-style",
    built: "rf-detr-style",
    format: "onnx, detr,",
    what: "a DETR-family ONNX file named as RF-DETR's exporter names it",
    minScore: 0.3,
  },
  {
    name: "e2e-rt-detr",
    built: "rt-detr-checkpoint",
    format: "transformers",
    what: "a transformers RT-DETR checkpoint",
    minScore: 0.05,
  },
];

let directory = "";

test.beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), "sightline-file-models-"));
  for (const model of MODELS) {
    const output = execFileSync(python, [builder, model.built, directory], { encoding: "utf8" });
    const built = output.trim().split("\n").at(-1)!;
    // The running server reads the same models file (SIGHTLINE_MODELS_FILE, set by serve-and-test.sh).
    const added = execFileSync(cli, ["models", "add", built, "--name", model.name], { encoding: "utf8" });
    expect(added).toContain(`added model ${model.name}`);
    expect(added).toContain(model.format);
  }
});

test.afterAll(() => {
  for (const model of MODELS) execFileSync(cli, ["models", "remove", model.name]);
  rmSync(directory, { recursive: true, force: true });
});

for (const model of MODELS) {
  test(`${model.what} added with the command line is offered by the page and draws its boxes`, async ({ page }) => {
    test.slow(); // the first request to a model loads it and warms it up, on a busy machine
    await page.goto("/");
    const picker = page.getByLabel("Model");
    await expect(picker.locator(`option[value="${model.name}"]`)).toHaveCount(1);
    await picker.selectOption(model.name);

    const result = await upload(page, sample("dog.jpg"));
    expect(result.model.name).toBe(model.name);
    await expect(page.getByTestId("inference-time")).toContainText(model.name);
    if (model.minScore < 0.3) {
      await page.getByLabel("Minimum score").focus();
      await page.keyboard.press("Home");
      await expect(page.getByTestId("score-value")).toHaveText("5%");
    }
    expect(result.detections.filter((d) => d.score >= model.minScore).length).toBeGreaterThan(10);
    await expectBoxesOnPhoto(page, result, model.minScore);
  });
}
