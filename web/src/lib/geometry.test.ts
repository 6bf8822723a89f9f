import { describe, expect, it } from "vitest";
import { toDisplayRect } from "./geometry";

describe("toDisplayRect", () => {
  const image = { width: 800, height: 600 };
  const box = { x1: 100, y1: 50, x2: 300, y2: 250 };

  it.each([
    [{ width: 400, height: 300 }, { x: 50, y: 25, width: 100, height: 100 }],
    [{ width: 800, height: 600 }, { x: 100, y: 50, width: 200, height: 200 }],
    [{ width: 1600, height: 1200 }, { x: 200, y: 100, width: 400, height: 400 }],
    // Each axis scales on its own, so a photo squeezed by CSS still gets aligned boxes.
    [{ width: 400, height: 600 }, { x: 50, y: 50, width: 100, height: 200 }],
  ])("scales a box to a photo displayed at %o", (display, expected) => {
    expect(toDisplayRect(box, image, display)).toEqual(expected);
  });

  it("clips a box that reaches past the photo's edges", () => {
    const outside = { x1: -20, y1: 500, x2: 900, y2: 700 };
    expect(toDisplayRect(outside, image, { width: 400, height: 300 })).toEqual({ x: 0, y: 250, width: 400, height: 50 });
  });
});
