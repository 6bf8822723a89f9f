import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Evaluation, EvaluationResult } from "../../api/types";
import { installFakeServer } from "../../test/fakeServer";
import { ComparisonTable } from "./ComparisonTable";
import { OperatingPoint } from "./OperatingPoint";
import { PhotoErrors } from "./PhotoErrors";
import { PrCurveChart } from "./PrCurveChart";

const RECALL = Array.from({ length: 101 }, (_, i) => i / 100);
// Precision 1 up to recall 0.5, then none: the area (AP@50) is 51/101.
const HALF = RECALL.map((r) => (r <= 0.5 ? 1 : 0));
const FULL = RECALL.map(() => 0.8);

function result(model: string, overrides: Partial<EvaluationResult> = {}): EvaluationResult {
  return {
    model,
    model_version: "v1",
    images: 3,
    latency_ms: 20,
    latency_p50_ms: null,
    memory_mb: null,
    metrics: { map: 0.4, map_50: 0.5 },
    per_class: { dog: 0.5, cat: 0.3 },
    operating_point: {
      score_threshold: 0.4201,
      precision: 0.645,
      recall: 0.556,
      f1: 0.597,
      true_positives: 20,
      false_positives: 11,
      missed: 16,
    },
    curves: { iou: 0.5, recall: RECALL, precision: HALF, per_class: { dog: FULL, cat: HALF } },
    photo_errors: [],
    provenance: null,
    ...overrides,
  };
}

function photo(imageId: number, falsePositives: number, missed: number) {
  return {
    image_id: imageId,
    file_name: `photo-${imageId}.jpg`,
    width: 400,
    height: 300,
    false_positives: Array.from({ length: falsePositives }, () => ({ label: "car", score: 0.61, box: [10, 20, 110, 220] as [number, number, number, number] })),
    missed: Array.from({ length: missed }, () => ({ label: "dog", box: [200, 40, 390, 290] as [number, number, number, number] })),
  };
}

function evaluation(dataset: string, results: EvaluationResult[]): Evaluation {
  return {
    id: 7,
    dataset,
    models: results.map((r) => r.model),
    status: "done",
    progress: { done: 3, total: 3 },
    error: null,
    created_at: "2026-12-02T04:00:00+00:00",
    finished_at: "2026-12-02T04:00:09+00:00",
    results,
    comparison: [],
    provenance_warning: null,
    recommended_model: results[0].model,
  };
}

beforeEach(() => {
  const server = installFakeServer();
  server.on("GET", /\/api\/v1\/images\/\d+\/file/, () => new Response(new Blob(["x"], { type: "image/jpeg" })));
  vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => "blob:photo", revokeObjectURL: () => undefined }));
});
afterEach(() => vi.unstubAllGlobals());

describe("PrCurveChart", () => {
  it("draws each model's curve through COCO's 101 recall points and switches to one class", async () => {
    const user = userEvent.setup();
    render(<PrCurveChart results={[result("nanodet"), result("centernet", { curves: { iou: 0.5, recall: RECALL, precision: FULL, per_class: { dog: HALF } } })]} />);

    const chart = screen.getByRole("img", { name: "Precision against recall for all classes (mean): nanodet and centernet" });
    const nanodet = within(chart).getByTestId("pr-curve-nanodet");
    const points = nanodet.getAttribute("points")!.split(" ");
    expect(points).toHaveLength(101);
    // Recall 0 at the left edge with precision 1 at the top; recall 1 at the right with precision 0 at the bottom.
    // jsdom lays nothing out, so the chart is drawn at its smallest size, 160 x 220.
    expect(points[0]).toBe("44.0,12.0");
    expect(points[100]).toBe("148.0,184.0");
    expect(screen.getByTestId("pr-legend-nanodet")).toHaveTextContent("nanodet: AP@50 0.505");
    expect(screen.getByTestId("pr-legend-centernet")).toHaveTextContent("centernet: AP@50 0.800");

    await user.selectOptions(screen.getByLabelText("Class of the curves"), "cat");
    expect(screen.getByRole("img", { name: /for cat: nanodet and centernet/ })).toBeInTheDocument();
    expect(screen.getByTestId("pr-legend-nanodet")).toHaveTextContent("AP@50 0.505");
    // centernet's ground truth had no cat: no line, and the legend says why.
    expect(screen.queryByTestId("pr-curve-centernet")).not.toBeInTheDocument();
    expect(screen.getByTestId("pr-legend-centernet")).toHaveTextContent("no cat in the ground truth");
  });

  it("draws nothing for an evaluation made before curves were measured", () => {
    const { container } = render(<PrCurveChart results={[result("nanodet", { curves: undefined })]} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe("OperatingPoint", () => {
  it("shows the threshold, precision, recall and F1 of each model", () => {
    render(<OperatingPoint results={[result("nanodet"), result("centernet", { operating_point: null })]} />);
    const row = screen.getByTestId("operating-point-nanodet");
    expect(row).toHaveTextContent("0.420");
    expect(row).toHaveTextContent("0.645");
    expect(row).toHaveTextContent("0.556");
    expect(row).toHaveTextContent("0.597");
    expect(row).toHaveTextContent("20 / 11 / 16");
    expect(screen.getByTestId("operating-point-centernet")).toHaveTextContent("found nothing");
  });
});

describe("PhotoErrors", () => {
  it("shows the worst photos first with their boxes drawn, and links reviewed photos to their review", async () => {
    const user = userEvent.setup();
    const errors = [photo(5, 2, 1), photo(3, 0, 2), ...Array.from({ length: 6 }, (_, i) => photo(10 + i, 1, 0))];
    render(<PhotoErrors evaluation={evaluation("reviewed", [result("nanodet", { photo_errors: errors }), result("centernet", { photo_errors: [] })])} />);

    const list = screen.getByRole("list", { name: "Photos nanodet got wrong" });
    const cards = within(list).getAllByRole("listitem").filter((item) => item.dataset.testid?.startsWith("photo-errors-"));
    expect(cards.map((card) => card.dataset.testid)).toEqual(["photo-errors-5", "photo-errors-3", "photo-errors-10", "photo-errors-11", "photo-errors-12", "photo-errors-13"]);
    const worst = screen.getByRole("img", { name: "photo-5.jpg: 2 false positives, 1 missed" });
    const boxes = worst.querySelectorAll("rect");
    expect(boxes).toHaveLength(3);
    expect([...boxes].map((b) => b.getAttribute("stroke-dasharray"))).toEqual(["8 5", "8 5", null]);
    expect(boxes[2]).toHaveAttribute("x", "200");
    expect(boxes[2]).toHaveAttribute("width", "190");
    expect(within(cards[0]).getByRole("link", { name: "Review this photo" })).toHaveAttribute("href", "#/images/5");
    expect(screen.getByTestId("photo-errors-summary")).toHaveTextContent("8 photos with mistakes by nanodet keeping boxes scoring at least 0.420");

    await user.click(screen.getByRole("button", { name: "Show 2 more of 2" }));
    expect(screen.getByTestId("photo-errors-15")).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText("Model whose errors are shown"), "centernet");
    expect(screen.getByTestId("photo-errors-summary")).toHaveTextContent("centernet made no mistakes at its operating point.");
  });

  it("offers no review link on an imported dataset, whose labels come from its file", () => {
    render(<PhotoErrors evaluation={evaluation("samples", [result("nanodet", { photo_errors: [photo(5, 1, 1)] })])} />);
    expect(screen.getByTestId("photo-errors-5")).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Review this photo" })).not.toBeInTheDocument();
  });
});

describe("ComparisonTable", () => {
  it("reads n/a where the dataset has no objects of a size, and bolds no model on a tie", () => {
    const compared = evaluation("samples", [result("nanodet"), result("centernet")]);
    compared.comparison = [
      { metric: "map", values: { nanodet: 0.482, centernet: 0.482 }, best: null },
      { metric: "map_small", values: { nanodet: null, centernet: null }, best: null },
      { metric: "map_50", values: { nanodet: 0.7, centernet: 0.6 }, best: "nanodet" },
    ];
    render(<ComparisonTable evaluation={compared} />);
    const tie = screen.getByTestId("metric-map");
    expect(within(tie).getAllByText("0.482")).toHaveLength(2);
    expect(tie.querySelector(".has-text-weight-bold")).toBeNull();
    expect(within(tie).queryByText("(best)")).toBeNull();
    expect(within(screen.getByTestId("metric-map_small")).getAllByText("n/a")).toHaveLength(2);
    expect(within(screen.getByTestId("metric-map_50")).getByText(/0\.700/)).toHaveClass("has-text-weight-bold");
  });
});
