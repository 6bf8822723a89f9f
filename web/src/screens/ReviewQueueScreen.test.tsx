import { render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installFakeServer, type FakeServer } from "../test/fakeServer";
import { errorResponse, jsonResponse, reviewQueue } from "../test/fixtures";
import { ReviewQueueScreen } from "./ReviewQueueScreen";

let server: FakeServer;

beforeEach(() => {
  server = installFakeServer();
  window.location.hash = "#/review";
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("ReviewQueueScreen", () => {
  it("opens the first photo nobody has reviewed, in the queue's order", async () => {
    server.on("GET", "/api/v1/review-queue", () => jsonResponse(reviewQueue([{ id: 7 }, { id: 3 }], 12, 40)));
    render(<ReviewQueueScreen />);

    await waitFor(() => expect(window.location.hash).toBe("#/images/7"));
    expect(server.requests.map((r) => r.call)).toEqual(["GET /api/v1/review-queue?per_page=2&score_threshold=0.3"]);
  });

  it("says when every kept photo is reviewed, with the progress", async () => {
    server.on("GET", "/api/v1/review-queue", () => jsonResponse(reviewQueue([{ id: 7, reviewed: true }], 40, 40)));
    render(<ReviewQueueScreen />);

    expect(await screen.findByTestId("queue-done")).toHaveTextContent("Every kept photo is reviewed.");
    expect(screen.getByText("40 of 40 reviewed")).toBeInTheDocument();
    expect(window.location.hash).toBe("#/review");
  });

  it("says how to keep photos when there are none", async () => {
    server.on("GET", "/api/v1/review-queue", () => jsonResponse(reviewQueue([], 0, 0)));
    render(<ReviewQueueScreen />);

    expect(await screen.findByTestId("queue-done")).toHaveTextContent("No photos are kept yet.");
    expect(screen.getByText("0 of 0 reviewed")).toBeInTheDocument();
  });

  it("shows the server's error with Retry", async () => {
    server.on("GET", "/api/v1/review-queue", () => errorResponse(503, "database_unavailable", "the database is unreachable"));
    render(<ReviewQueueScreen />);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load the review queue");
    expect(alert).toHaveTextContent("the database is unreachable");
  });
});
