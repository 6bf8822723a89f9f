import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Evaluation } from "../api/types";
import { installFakeServer, type FakeServer } from "../test/fakeServer";
import { errorResponse, jsonResponse, MODELS } from "../test/fixtures";
import { EvaluateScreen } from "./EvaluateScreen";

let server: FakeServer;

const METRICS = ["map", "map_50", "map_75"];

function evaluation(status: Evaluation["status"], done: number): Evaluation {
  const finished = status === "done";
  const values = { nanodet: 0.386, centernet: 0.058 };
  return {
    id: 4,
    dataset: "reviewed",
    models: ["nanodet", "centernet"],
    status,
    progress: { done, total: 6 },
    error: null,
    created_at: "2026-11-25T12:21:00+00:00",
    finished_at: finished ? "2026-11-25T12:21:09+00:00" : null,
    results: finished
      ? (["nanodet", "centernet"] as const).map((model) => ({
          model,
          model_version: "human-models-3.0.4",
          images: 3,
          latency_ms: model === "nanodet" ? 120 : 493,
          latency_p50_ms: model === "nanodet" ? 118 : 481,
          memory_mb: model === "nanodet" ? 61.4 : 76.2,
          metrics: Object.fromEntries(METRICS.map((m) => [m, values[model]])),
          per_class: {},
          operating_point: null,
          provenance: null,
        }))
      : [],
    comparison: finished
      ? [
          ...METRICS.map((metric) => ({ metric, values, best: "nanodet" })),
          { metric: "latency_ms", values: { nanodet: 120, centernet: 493 }, best: "nanodet" },
        ]
      : [],
    provenance_warning: null,
    recommended_model: finished ? "nanodet" : null,
  };
}

beforeEach(() => {
  server = installFakeServer();
  server.on("GET", "/api/v1/models", () => jsonResponse({ items: MODELS, total: MODELS.length }));
  server.on("GET", "/api/v1/datasets", () => jsonResponse({ items: [{ name: "reviewed", images: 3 }], total: 1 }));
  server.on("GET", "/api/v1/evaluations", () => jsonResponse({ items: [], total: 0 }));
});
afterEach(() => vi.unstubAllGlobals());

describe("EvaluateScreen", () => {
  it("starts an evaluation, follows its progress, then compares the models", async () => {
    let polls = 0;
    server.on("POST", "/api/v1/evaluations", () => jsonResponse(evaluation("queued", 0), 202));
    server.on("GET", "/api/v1/evaluations/4", () => {
      polls += 1;
      return jsonResponse(polls < 2 ? evaluation("running", 2) : evaluation("done", 6));
    });
    const user = userEvent.setup();
    render(<EvaluateScreen />);
    await user.click(await screen.findByRole("button", { name: "Run evaluation" }));

    expect(server.requests.find((r) => r.call === "POST /api/v1/evaluations")?.body).toEqual({
      models: ["nanodet", "centernet"],
      dataset: "reviewed",
    });
    expect(await screen.findByText("2 of 6 photo runs done")).toBeInTheDocument();
    // The page asks again every second until the run is done.
    await waitFor(() => expect(screen.getByTestId("evaluation-status")).toHaveTextContent("done"), { timeout: 3000 });

    const table = await screen.findByRole("table", { name: "Models compared" });
    const map = within(table).getByTestId("metric-map");
    expect(map).toHaveTextContent("0.386");
    expect(within(map).getByText(/0\.386/)).toHaveClass("has-text-weight-bold");
    expect(within(table).getByTestId("metric-latency_ms")).toHaveTextContent("120 ms");
    expect(screen.getByRole("img", { name: "mAP of nanodet and centernet" })).toBeInTheDocument();

    // Accuracy and cost side by side, one row per model; the best of each column in bold.
    const costs = screen.getByRole("table", { name: "Accuracy and cost" });
    const nanodet = within(costs).getByTestId("cost-nanodet");
    const centernet = within(costs).getByTestId("cost-centernet");
    expect([...costs.querySelectorAll("thead th")].map((h) => h.textContent)).toEqual([
      "Model",
      "mAP",
      "mAP@50",
      "Time per photo (median)",
      "Memory once loaded",
    ]);
    expect(nanodet.querySelector('[data-metric="map"]')).toHaveTextContent("0.386");
    expect(nanodet.querySelector('[data-metric="latency_p50_ms"]')).toHaveTextContent("118 ms");
    expect(nanodet.querySelector('[data-metric="memory_mb"]')).toHaveTextContent("61.4 MB");
    expect(centernet.querySelector('[data-metric="latency_p50_ms"]')).toHaveTextContent("481 ms");
    expect(centernet.querySelector('[data-metric="memory_mb"]')).toHaveTextContent("76.2 MB");
    expect(nanodet.querySelector('[data-metric="memory_mb"]')).toHaveClass("has-text-weight-bold");
    expect(centernet.querySelector('[data-metric="memory_mb"]')).not.toHaveClass("has-text-weight-bold");
    expect(screen.getByTestId("recommendation")).toHaveTextContent("nanodet, which is already the default");
  });

  it("sends the admin key to promote a model, and says beside the button when it is refused", async () => {
    server.on("GET", "/api/v1/evaluations", () => jsonResponse({ items: [evaluation("done", 6)], total: 1 }));
    server.on("GET", "/api/v1/evaluations/4", () => jsonResponse(evaluation("done", 6)));
    server.on("POST", "/api/v1/evaluations/4/promote", ({ init }) =>
      new Headers(init.headers).get("X-Admin-Key") === "secret"
        ? jsonResponse({ default_model: "centernet", evaluation_id: 4 })
        : errorResponse(403, "forbidden", "this action needs the admin key in the X-Admin-Key header"),
    );
    const user = userEvent.setup();
    render(<EvaluateScreen />);
    await user.selectOptions(await screen.findByLabelText("Model to make the default"), "centernet");

    await user.type(screen.getByLabelText("Admin key"), "wrong");
    await user.click(screen.getByRole("button", { name: "Make centernet the default" }));
    // In plain words, next to the button rather than at the top of the screen.
    const refusal = await screen.findByRole("alert");
    expect(refusal).toHaveTextContent("That admin key was refused.");
    expect(refusal).not.toHaveTextContent("header");
    expect(screen.getByRole("form", { name: "Make a model the default" })).toContainElement(refusal);

    await user.clear(screen.getByLabelText("Admin key"));
    await user.type(screen.getByLabelText("Admin key"), "secret");
    await user.click(screen.getByRole("button", { name: "Make centernet the default" }));
    expect(await screen.findByText("centernet is now the default model.")).toBeInTheDocument();
    expect(server.requests.filter((r) => r.call === "POST /api/v1/evaluations/4/promote").at(-1)?.body).toEqual({ model: "centernet" });
  });

  it("can make the promoted model's operating point its score threshold, even when it is already the default", async () => {
    const done = evaluation("done", 6);
    const point = { score_threshold: 0.4201, precision: 0.6, recall: 0.5, f1: 0.55, true_positives: 5, false_positives: 3, missed: 5 };
    done.results = done.results.map((r) => ({ ...r, operating_point: point }));
    server.on("GET", "/api/v1/evaluations", () => jsonResponse({ items: [done], total: 1 }));
    server.on("GET", "/api/v1/evaluations/4", () => jsonResponse(done));
    server.on("POST", "/api/v1/evaluations/4/promote", () =>
      jsonResponse({ default_model: "nanodet", evaluation_id: 4, score_threshold: 0.4201 }),
    );
    const user = userEvent.setup();
    render(<EvaluateScreen />);
    // nanodet is the default already: only setting its threshold is left to do.
    expect(await screen.findByRole("button", { name: "Make nanodet the default" })).toBeDisabled();

    await user.click(screen.getByLabelText(/Also make its operating point, 0\.420, its score threshold/));
    await user.type(screen.getByLabelText("Admin key"), "secret");
    await user.click(screen.getByRole("button", { name: "Set nanodet's score threshold" }));

    expect(await screen.findByRole("status")).toHaveTextContent(
      "nanodet is now the default model, keeping the boxes that score at least 0.420 when a request names no threshold.",
    );
    expect(server.requests.find((r) => r.call === "POST /api/v1/evaluations/4/promote")?.body).toEqual({
      model: "nanodet",
      use_operating_point: true,
    });
  });

  it("shows n/a where the memory could not be measured, and bolds the cheaper model that was", async () => {
    const record = evaluation("done", 6);
    record.results[1] = { ...record.results[1], memory_mb: null };
    server.on("GET", "/api/v1/evaluations", () => jsonResponse({ items: [record], total: 1 }));
    server.on("GET", "/api/v1/evaluations/4", () => jsonResponse(record));
    render(<EvaluateScreen />);

    const costs = await screen.findByRole("table", { name: "Accuracy and cost" });
    expect(within(costs).getByTestId("cost-centernet").querySelector('[data-metric="memory_mb"]')).toHaveTextContent("n/a");
    expect(within(costs).getByTestId("cost-nanodet").querySelector('[data-metric="memory_mb"]')).toHaveClass(
      "has-text-weight-bold",
    );
  });

  it("explains why it cannot run on a dataset without photos", async () => {
    server.on("GET", "/api/v1/datasets", () => jsonResponse({ items: [{ name: "reviewed", images: 0 }], total: 1 }));
    render(<EvaluateScreen />);
    expect(await screen.findByTestId("empty-dataset")).toHaveTextContent("mark them reviewed");
    expect(screen.getByRole("button", { name: "Run evaluation" })).toBeDisabled();
  });
});
