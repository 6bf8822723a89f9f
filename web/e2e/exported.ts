/** The server's reviewed photos exported with the command line, as a user would, and read back. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Box } from "../src/api/types";

interface CocoExport {
  images: { id: number; file_name: string }[];
  annotations: { image_id: number; category_id: number; bbox: [number, number, number, number] }[];
  categories: { id: number; name: string }[];
}

export interface ExportedBox {
  label: string;
  box: Box;
}

/** `sightline dataset export` of the first test server's data (web/e2e/serve-and-test.sh says where). */
export function exportDataset(): CocoExport {
  const directory = mkdtempSync(path.join(tmpdir(), "sightline-export-"));
  try {
    execFileSync(process.env.SIGHTLINE_E2E_CLI!, ["--data-dir", process.env.SIGHTLINE_E2E_DATA_DIR!, "dataset", "export", directory]);
    return JSON.parse(readFileSync(path.join(directory, "annotations.json"), "utf8")) as CocoExport;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The exported boxes of the photo with this content hash (export names files by it); null when it is not exported. */
export function exportedBoxes(exported: CocoExport, sha256: string): ExportedBox[] | null {
  const entry = exported.images.find((image) => image.file_name.startsWith(sha256.slice(0, 16)));
  if (!entry) return null;
  const names = new Map(exported.categories.map((c) => [c.id, c.name]));
  return exported.annotations
    .filter((a) => a.image_id === entry.id)
    .map((a) => ({
      label: names.get(a.category_id)!,
      box: { x1: a.bbox[0], y1: a.bbox[1], x2: a.bbox[0] + a.bbox[2], y2: a.bbox[1] + a.bbox[3] },
    }));
}

/** A box as label and whole-pixel top left corner, to compare exported boxes with stored ones. */
export function boxKey(b: { label: string; box: { x1: number; y1: number } }): string {
  return `${b.label} ${Math.round(b.box.x1)} ${Math.round(b.box.y1)}`;
}
