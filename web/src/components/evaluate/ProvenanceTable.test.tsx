import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Evaluation, EvaluationResult } from "../../api/types";
import { ProvenanceTable } from "./ProvenanceTable";

function evaluation(results: Pick<EvaluationResult, "model" | "provenance">[], warning: string | null): Evaluation {
  return {
    id: 1,
    dataset: "reviewed",
    models: results.map((r) => r.model),
    status: "done",
    progress: { done: 1, total: 1 },
    error: null,
    created_at: "2026-12-02T04:00:00+00:00",
    finished_at: "2026-12-02T04:01:00+00:00",
    results: results.map((r) => ({
      ...r,
      model_version: "1",
      images: 1,
      latency_ms: 10,
      latency_p50_ms: null,
      memory_mb: null,
      metrics: {},
      per_class: {},
      operating_point: null,
    })),
    comparison: [],
    provenance_warning: warning,
    recommended_model: null,
  };
}

describe("ProvenanceTable", () => {
  it("counts each model's own, other models', drawn and imported truth boxes, and shows the warning", () => {
    const warning = "The comparison is lopsided: 86% of the truth boxes are nanodet's own predictions";
    render(
      <ProvenanceTable
        evaluation={evaluation(
          [
            { model: "nanodet", provenance: { own_predictions: 6, other_models: 0, drawn: 1, imported: 0, total: 7 } },
            { model: "centernet", provenance: { own_predictions: 0, other_models: 6, drawn: 1, imported: 0, total: 7 } },
          ],
          warning,
        )}
      />,
    );
    const cells = (model: string) => within(screen.getByTestId(`provenance-${model}`)).getAllByRole("cell").map((c) => c.textContent);
    expect(cells("nanodet")).toEqual(["6 (86%)", "0 (0%)", "1 (14%)", "0 (0%)"]);
    expect(cells("centernet")).toEqual(["0 (0%)", "6 (86%)", "1 (14%)", "0 (0%)"]);
    expect(screen.getByRole("note")).toHaveTextContent(warning);
  });

  it("warns of nothing on an imported dataset, and shows nothing for evaluations stored before it was counted", () => {
    const { rerender } = render(
      <ProvenanceTable
        evaluation={evaluation([{ model: "nanodet", provenance: { own_predictions: 0, other_models: 0, drawn: 0, imported: 36, total: 36 } }], null)}
      />,
    );
    expect(within(screen.getByTestId("provenance-nanodet")).getAllByRole("cell")[3]).toHaveTextContent("36 (100%)");
    expect(screen.queryByRole("note")).not.toBeInTheDocument();

    rerender(<ProvenanceTable evaluation={evaluation([{ model: "nanodet", provenance: null }], null)} />);
    expect(screen.queryByTestId("truth-provenance")).not.toBeInTheDocument();
  });
});
