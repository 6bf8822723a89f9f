import type { EvaluationResult } from "../../api/types";
import { ScrollingTable } from "../common/ScrollingTable";

function decimal(value: number | null): string {
  return value === null ? "n/a" : value.toFixed(3);
}

/** Each model's operating point: the score threshold whose boxes have the best F1, and what it gives there. */
export function OperatingPoint({ results }: { results: EvaluationResult[] }) {
  if (!results.some((r) => r.operating_point !== undefined)) return null;
  return (
    <div className="box">
      <h3 className="title is-6">Operating point</h3>
      <ScrollingTable label="Operating points, scrollable">
        <table className="table is-fullwidth is-narrow" aria-label="Operating points">
          <thead>
            <tr>
              <th>Model</th>
              <th className="has-text-right">Score threshold</th>
              <th className="has-text-right">Precision</th>
              <th className="has-text-right">Recall</th>
              <th className="has-text-right">F1</th>
              <th className="has-text-right">Right / wrong / missed</th>
            </tr>
          </thead>
          <tbody>
            {results.map(({ model, operating_point: point }) => (
              <tr key={model} data-testid={`operating-point-${model}`}>
                <th className="has-text-weight-normal">{model}</th>
                {point ? (
                  <>
                    <td className="has-text-right">{decimal(point.score_threshold)}</td>
                    <td className="has-text-right">{decimal(point.precision)}</td>
                    <td className="has-text-right">{decimal(point.recall)}</td>
                    <td className="has-text-right">{decimal(point.f1)}</td>
                    <td className="has-text-right">
                      {point.true_positives} / {point.false_positives} / {point.missed}
                    </td>
                  </>
                ) : (
                  <td colSpan={5}>{point === null ? "found nothing" : "not measured in this evaluation"}</td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollingTable>
      <p className="help">
        Keeping the boxes that score at least the threshold gives the best F1 (the balance of precision and recall),
        counting every class, a box right when it overlaps an object of its class by IoU 0.50 or more.
      </p>
    </div>
  );
}
