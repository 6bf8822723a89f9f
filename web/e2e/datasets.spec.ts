/**
 * Datasets on the Evaluate screen, through the real page and server at a phone's, a tablet's and a
 * desktop's width: import a COCO zip, find it listed and ready to evaluate on, download it as YOLO
 * and read the zip, and see an invalid zip's problem next to the Import button.
 */
import type { Page } from "@playwright/test";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, SAMPLES, saveScreenshot, test } from "./fixtures";
import { expectAccessible, expectNoSidewaysScroll, WIDTHS } from "./page-checks";

interface CocoDocument {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; bbox: number[] }[];
  categories: { id: number; name: string }[];
}

const PHOTOS = ["astronaut.jpg", "coffee.jpg"];

/** A COCO archive of two hand-labelled sample photos, as a user would zip their dataset. */
function cocoArchive(): { buffer: Buffer; boxes: Record<string, string[]> } {
  const all = JSON.parse(readFileSync(path.join(SAMPLES, "annotations.json"), "utf8")) as CocoDocument;
  const images = all.images.filter((image) => PHOTOS.includes(image.file_name));
  const ids = new Set(images.map((image) => image.id));
  const annotations = all.annotations.filter((a) => ids.has(a.image_id));
  const names = new Map(all.categories.map((c) => [c.id, c.name]));
  const boxes: Record<string, string[]> = {};
  for (const image of images) {
    boxes[image.file_name] = annotations.filter((a) => a.image_id === image.id).map((a) => names.get(a.category_id)!).sort();
  }
  const files: Record<string, Uint8Array> = {
    "annotations.json": strToU8(JSON.stringify({ ...all, images, annotations })),
  };
  for (const name of PHOTOS) files[`images/${name}`] = readFileSync(path.join(SAMPLES, name));
  return { buffer: Buffer.from(zipSync(files)), boxes };
}

/** A YOLO archive whose label file has a line with three values instead of five. */
function badYoloArchive(): Buffer {
  return Buffer.from(
    zipSync({
      "data.yaml": strToU8("path: .\ntrain: images\nnames: [person, dog]\n"),
      "images/dog.jpg": readFileSync(path.join(SAMPLES, "dog.jpg")),
      "labels/dog.txt": strToU8("1 0.5 0.5 0.2 0.2\n1 0.5 0.5\n"),
    }),
  );
}

async function chooseArchive(page: Page, name: string, buffer: Buffer) {
  await page.getByLabel("Zip archive").setInputFiles({ name, mimeType: "application/zip", buffer });
}

for (const viewport of WIDTHS) {
  test.describe(`${viewport.width} px wide`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });
    // The browser logs the refused import's 422 itself.
    test.use({ allowedConsoleErrors: [/status of 422/] });

    test("import a dataset zip, evaluate on it, export it; an invalid zip says what is wrong", async ({ page }, testInfo) => {
      const name = `samples-${viewport.name}-${Date.now()}`;
      const { buffer, boxes } = cocoArchive();
      await page.goto("/#/evaluate");
      const panel = page.getByTestId("datasets");
      await expect(panel.getByRole("table", { name: "Datasets" })).toContainText("reviewed");

      await chooseArchive(page, "my-photos.zip", buffer);
      await expect(panel.getByLabel("Name")).toHaveValue("my-photos");
      await panel.getByLabel("Name").fill(name);
      await panel.getByRole("button", { name: "Import" }).click();
      await expect(panel.getByTestId("import-done")).toHaveText(`Imported ${name}: 2 photos, 4 boxes (COCO).`);
      const row = panel.getByRole("row").filter({ hasText: name });
      await expect(row.getByRole("cell").nth(1)).toHaveText("2");
      // Ready to evaluate on: chosen in the evaluation's dataset list, and the Run button is enabled.
      await expect(page.getByLabel("Photos with known boxes")).toHaveValue(name);
      await expect(page.getByRole("button", { name: "Run evaluation" })).toBeEnabled();
      await expectNoSidewaysScroll(page);
      await saveScreenshot(page, testInfo, `${viewport.name}-datasets-1-imported`);
      if (viewport.width === 1280) {
        // Once is enough to show an evaluation runs on it: one model, two photos.
        const models = page.getByRole("group", { name: "Models" }).getByRole("checkbox");
        for (const box of await models.all()) await box.uncheck();
        await page.getByRole("checkbox", { name: /^nanodet( default)?$/ }).check();
        await page.getByRole("button", { name: "Run evaluation" }).click();
        await expect(page.getByTestId("evaluation-status")).toHaveText("done", { timeout: 90_000 });
        await expect(page.getByTestId("evaluation")).toContainText(`${name} · nanodet`);
      }

      await panel.getByLabel("Dataset", { exact: true }).selectOption(name);
      await panel.getByLabel("Format").nth(1).selectOption("yolo");
      const downloaded = page.waitForEvent("download");
      await panel.getByRole("button", { name: "Download zip" }).click();
      const download = await downloaded;
      expect(download.suggestedFilename()).toBe(`${name}-yolo.zip`);
      const files = unzipSync(readFileSync(await download.path()));
      expect(Object.keys(files).sort()).toEqual(
        ["data.yaml", ...PHOTOS.map((p) => `images/${p}`), ...PHOTOS.map((p) => `labels/${p.replace(".jpg", ".txt")}`)].sort(),
      );
      const classNames = strFromU8(files["data.yaml"])
        .split("\n")
        .filter((line) => /^ {2}\d+: /.test(line))
        .map((line) => line.trim().replace(/^\d+: /, ""));
      for (const photo of PHOTOS) {
        const lines = strFromU8(files[`labels/${photo.replace(".jpg", ".txt")}`]).trim().split("\n").filter(Boolean);
        const labels = lines.map((line) => classNames[Number(line.split(" ")[0])]).sort();
        expect(labels, photo).toEqual(boxes[photo]);
        expect(files[`images/${photo}`]).toEqual(new Uint8Array(readFileSync(path.join(SAMPLES, photo))));
      }

      await chooseArchive(page, "broken.zip", badYoloArchive());
      await panel.getByLabel("Name").fill(`broken-${name}`);
      await panel.getByRole("button", { name: "Import" }).click();
      const problem = panel.getByTestId("import-problem");
      await expect(problem).toContainText("That archive was not imported, and nothing was stored");
      await expect(problem).toContainText("labels/dog.txt line 2: 3 values");
      await expect(panel.getByRole("table", { name: "Datasets" })).not.toContainText(`broken-${name}`);
      await expect(page.getByLabel("Zip archive")).toHaveAttribute("aria-describedby", (await problem.getAttribute("id"))!);
      await expectNoSidewaysScroll(page);
      await saveScreenshot(page, testInfo, `${viewport.name}-datasets-2-invalid-zip`);
      await expectAccessible(page, "Evaluate with the datasets panel");
    });
  });
}
