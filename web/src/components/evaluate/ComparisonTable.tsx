import type { Evaluation } from "../../api/types";
import { formatMetric, METRIC_NAMES } from "../../lib/metrics";
import { ScrollingTable } from "../common/ScrollingTable";

/** Every metric as a row, the models side by side, the best value of each row in bold. */
export function ComparisonTable({ evaluation }: { evaluation: Evaluation }) {
  const models = evaluation.results.map((r) => r.model);
  return (
    <ScrollingTable label="Models compared, scrollable">
      <table className="table is-fullwidth is-narrow is-striped" aria-label="Models compared">
        <thead>
          <tr>
            <th>Metric</th>
            {models.map((model) => (
              <th key={model} className="has-text-right">
                {model}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {evaluation.comparison.map((row) => (
            <tr key={row.metric} data-testid={`metric-${row.metric}`}>
              <th className="has-text-weight-normal">{METRIC_NAMES[row.metric] ?? row.metric}</th>
              {models.map((model) => {
                const best = row.best === model && models.length > 1;
                return (
                  <td key={model} className={`has-text-right ${best ? "has-text-weight-bold" : ""}`}>
                    {formatMetric(row.metric, row.values[model])}
                    {best && <span className="is-sr-only"> (best)</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollingTable>
  );
}
