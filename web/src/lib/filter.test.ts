import { describe, expect, it } from "vitest";
import { DOG_RESULT } from "../test/fixtures";
import { countClasses, filterDetections, withIndex } from "./filter";

const all = withIndex(DOG_RESULT.detections);

describe("filterDetections", () => {
  it("keeps detections at or above the minimum score, best first", () => {
    const shown = filterDetections(all, { minScore: 0.5134, hiddenClasses: new Set() });
    expect(shown.map((d) => [d.label, d.score])).toEqual([
      ["dog", 0.6691],
      ["bicycle", 0.599],
      ["car", 0.5134],
    ]);
  });

  it("drops hidden classes and keeps each detection's position in the API's answer", () => {
    const shown = filterDetections(all, { minScore: 0.3, hiddenClasses: new Set(["bicycle", "cat"]) });
    expect(shown.map((d) => [d.label, d.index])).toEqual([
      ["dog", 0],
      ["car", 2],
    ]);
  });

  it("leaves its input as it was", () => {
    const before = structuredClone(all);
    filterDetections([...all].reverse(), { minScore: 0.9, hiddenClasses: new Set(["dog"]) });
    expect(all).toEqual(before);
  });
});

describe("countClasses", () => {
  it("counts each class's detections reaching the score, and keeps classes that have none", () => {
    expect(countClasses(all, 0.4)).toEqual([
      { label: "bicycle", classId: 1, count: 2 },
      { label: "car", classId: 2, count: 1 },
      { label: "dog", classId: 16, count: 1 },
      { label: "cat", classId: 15, count: 0 },
      { label: "potted plant", classId: 58, count: 0 },
    ]);
  });
});
