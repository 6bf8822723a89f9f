import { describe, expect, it } from "vitest";
import { PAN_STEP_PX, panDistance, zoomKeyAction } from "./zoomKeys";

describe("zoomKeyAction", () => {
  it.each([
    ["+", { kind: "zoom-in" }],
    ["=", { kind: "zoom-in" }],
    ["-", { kind: "zoom-out" }],
    ["0", { kind: "reset" }],
    ["ArrowRight", { kind: "pan", dx: -PAN_STEP_PX, dy: 0 }],
    ["ArrowLeft", { kind: "pan", dx: PAN_STEP_PX, dy: 0 }],
    ["ArrowDown", { kind: "pan", dx: 0, dy: -PAN_STEP_PX }],
    ["ArrowUp", { kind: "pan", dx: 0, dy: PAN_STEP_PX }],
  ])("%s", (key, action) => {
    expect(zoomKeyAction(key)).toEqual(action);
  });

  it("leaves other keys (Tab, Enter, letters) to the page", () => {
    for (const key of ["Tab", "Enter", "a", " ", "Escape"]) expect(zoomKeyAction(key)).toBeNull();
  });
});

describe("panDistance", () => {
  it("moves the photo by the same screen distance whatever the zoom", () => {
    for (const scale of [1, 2, 3.5]) expect(panDistance(PAN_STEP_PX, scale) * scale).toBeCloseTo(PAN_STEP_PX);
  });
});
