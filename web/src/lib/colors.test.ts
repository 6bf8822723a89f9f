import { describe, expect, it } from "vitest";
import { DOG_RESULT } from "../test/fixtures";
import { assignClassColors } from "./colors";

describe("assignClassColors", () => {
  it("gives every class in a photo its own colour", () => {
    const colors = assignClassColors(DOG_RESULT.detections);
    expect([...colors.keys()].sort((a, b) => a - b)).toEqual([1, 2, 15, 16, 58]);
    expect(new Set(colors.values()).size).toBe(5);
  });

  it("keeps colours distinct past the palette's end", () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      label: `class ${i}`,
      class_id: i,
      score: 1 - i / 100,
      box: { x1: 0, y1: 0, x2: 1, y2: 1 },
    }));
    expect(new Set(assignClassColors(many).values()).size).toBe(40);
  });
});
