import type { Evaluation, EvaluationResult } from "../../api/types";
import { formatMetric, metricValue } from "../../lib/metrics";
import { ScrollingTable } from "../common/ScrollingTable";

interface Column {
  metric: string;
  title: string;
  value: (result: EvaluationResult) => number | null | undefined;
  /** Whether a lower value is the better one (a cost) rather than a higher one (accuracy). */
  lowerIsBetter: boolean;
}

const COLUMNS: Column[] = [
  { metric: "map", title: "mAP", value: (r) => r.metrics.map, lowerIsBetter: false },
  { metric: "map_50", title: "mAP@50", value: (r) => r.metrics.map_50, lowerIsBetter: false },
  { metric: "latency_p50_ms", title: "Time per photo (median)", value: (r) => r.latency_p50_ms, lowerIsBetter: true },
  { metric: "memory_mb", title: "Memory once loaded", value: (r) => r.memory_mb, lowerIsBetter: true },
];

function bestOf(results: EvaluationResult[], column: Column): string | null {
  let best: { model: string; value: number } | null = null;
  for (const result of results) {
    const value = metricValue(column.value(result));
    if (value === null) continue;
    if (!best || (column.lowerIsBetter ? value < best.value : value > best.value)) best = { model: result.model, value };
  }
  return best?.model ?? null;
}

/** Accuracy beside what it costs: one row per model, mAP next to its time per photo and memory. */
export function ModelCostTable({ evaluation }: { evaluation: Evaluation }) {
  const results = evaluation.results;
  const best = Object.fromEntries(COLUMNS.map((column) => [column.metric, bestOf(results, column)]));
  return (
    <ScrollingTable label="Speed and memory per model, scrollable">
      <table className="table is-fullwidth is-narrow" aria-label="Accuracy and cost">
        <thead>
          <tr>
            <th>Model</th>
            {COLUMNS.map((column) => (
              <th key={column.metric} className="has-text-right">
                {column.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {results.map((result) => (
            <tr key={result.model} data-testid={`cost-${result.model}`}>
              <th className="has-text-weight-normal">{result.model}</th>
              {COLUMNS.map((column) => {
                const isBest = best[column.metric] === result.model && results.length > 1;
                return (
                  <td
                    key={column.metric}
                    data-metric={column.metric}
                    className={`has-text-right ${isBest ? "has-text-weight-bold" : ""}`}
                  >
                    {formatMetric(column.metric, column.value(result))}
                    {isBest && <span className="is-sr-only"> (best)</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="help mb-4">
        Time: the model on this server during the evaluation. Memory: what the model adds to a serving process once
        loaded and run, measured in a fresh process; an ensemble's is its members' together.
      </p>
    </ScrollingTable>
  );
}
