import { describe, expect, it } from "vitest";
import { placeTags, toDisplayRect } from "./geometry";

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

describe("placeTags", () => {
  const display = { width: 400, height: 300 };

  it("puts a tag above its box when there is room, inside it when the box touches the top", () => {
    const [above, inside] = placeTags(
      [
        { rect: { x: 10, y: 100, width: 100, height: 100 }, text: "dog 67%" },
        { rect: { x: 200, y: 5, width: 100, height: 100 }, text: "cat 35%" },
      ],
      display,
      20,
      7,
    );
    expect(above).toEqual({ x: 10, y: 80 });
    expect(inside).toEqual({ x: 200, y: 5 });
  });

  it("moves a tag down inside its box rather than cover an earlier tag", () => {
    const rect = { x: 50, y: 100, width: 200, height: 150 };
    const [first, second] = placeTags(
      [
        { rect, text: "car 51%" },
        { rect, text: "truck 35%" },
      ],
      display,
      20,
      7,
    );
    expect(first).toEqual({ x: 50, y: 80 });
    expect(second).toEqual({ x: 50, y: 100 });
  });

  it("keeps a tag near the right edge inside the photo", () => {
    const [tag] = placeTags([{ rect: { x: 380, y: 100, width: 20, height: 50 }, text: "potted plant 27%" }], display, 20, 7);
    expect(tag.x).toBeGreaterThanOrEqual(0);
    expect(tag.x + "potted plant 27%".length * 7 + 12).toBeLessThanOrEqual(400);
  });
});
