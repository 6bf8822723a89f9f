import { describe, expect, it } from "vitest";
import { DOG_RESULT } from "../test/fixtures";
import { assignClassColors, classColor, contrastRatio, MIN_TAG_CONTRAST, tagTextColor } from "./colors";

/** COCO's 80 classes and, for datasets with more, ids well past them. */
const CLASS_IDS = Array.from({ length: 200 }, (_, id) => id);

describe("class colours", () => {
  it.each(CLASS_IDS)("class %i's tag text meets WCAG AA on its colour", (id) => {
    const colour = classColor(id);
    expect(colour).toMatch(/^#[0-9a-f]{6}$/);
    expect(contrastRatio(colour, tagTextColor(colour))).toBeGreaterThanOrEqual(MIN_TAG_CONTRAST);
  });

  it("measures contrast the way WCAG does", () => {
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21, 5);
    // The green the page used to draw white text on: 3.5:1, a failure.
    expect(contrastRatio("#2a9d3a", "#ffffff")).toBeCloseTo(3.5, 1);
  });

  it("gives each COCO class a different colour", () => {
    expect(new Set(CLASS_IDS.slice(0, 80).map(classColor)).size).toBe(80);
  });

  it("keeps a class's colour whatever else is in the photo", () => {
    const alone = assignClassColors([{ class_id: 16 }]);
    const withOthers = assignClassColors(DOG_RESULT.detections);
    expect(withOthers.get(16)).toBe(alone.get(16));
    expect(new Set(withOthers.values()).size).toBe(5);
  });
});
