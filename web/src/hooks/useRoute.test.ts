import { describe, expect, it } from "vitest";
import { links, parseRoute } from "./useRoute";

describe("parseRoute", () => {
  it.each([
    ["", { screen: "detect" }],
    ["#/", { screen: "detect" }],
    ["#/images/42", { screen: "review", imageId: 42 }],
    ["#/review", { screen: "queue" }],
    ["#/evaluate", { screen: "evaluate" }],
    ["#/stats", { screen: "stats" }],
    ["#/images/not-a-number", { screen: "detect" }],
  ])("reads %s", (hash, expected) => {
    expect(parseRoute(hash)).toEqual(expected);
  });

  it("keeps the history's filters and page from the address", () => {
    const route = parseRoute(links.history(new URLSearchParams({ reviewed: "false", page: "3" })));
    expect(route.screen).toBe("history");
    expect(route.screen === "history" && Object.fromEntries(route.query)).toEqual({ reviewed: "false", page: "3" });
  });
});
