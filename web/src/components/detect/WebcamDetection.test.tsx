import { describe, expect, it } from "vitest";
import { cameraProblem } from "./WebcamDetection";

describe("cameraProblem", () => {
  it.each([
    ["NotAllowedError", /camera was refused/],
    ["SecurityError", /camera was refused/],
    ["NotFoundError", /No camera was found/],
    ["OverconstrainedError", /No camera was found/],
    ["NotReadableError", /in use by another program/],
  ])("%s", (name, message) => {
    expect(cameraProblem(new DOMException("browser text", name))).toMatch(message);
  });

  it("passes on the browser's words for anything else", () => {
    expect(cameraProblem(new Error("device lost"))).toBe("The camera could not be started: device lost");
  });
});
