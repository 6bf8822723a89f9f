import type { Evaluation } from "../../api/types";
import { ScrollingTable } from "../common/ScrollingTable";

/**
 * Where the truth boxes came from, per model: its own confirmed predictions, other models', drawn
 * by hand, imported. Truth seeded from one model's boxes favours it; the warning says so.
 */
export function ProvenanceTable({ evaluation }: { evaluation: Evaluation }) {
  const counted = evaluation.results.filter((r) => r.provenance);
  if (counted.length === 0) return null;
  return (
    <div className="mb-5" data-testid="truth-provenance">
      <h3 className="title is-6 mb-2">Where the truth boxes came from</h3>
      {evaluation.provenance_warning && (
        <div className="notification is-warning is-light" role="note" data-testid="provenance-warning">
          {evaluation.provenance_warning}
        </div>
      )}
      <ScrollingTable label="Where the truth boxes came from, scrollable">
        <table className="table is-fullwidth is-narrow" aria-label="Truth boxes by source">
          <thead>
            <tr>
              <th>Model</th>
              <th className="has-text-right">its own predictions</th>
              <th className="has-text-right">other models’</th>
              <th className="has-text-right">drawn</th>
              <th className="has-text-right">imported</th>
            </tr>
          </thead>
          <tbody>
            {counted.map(({ model, provenance }) => (
              <tr key={model} data-testid={`provenance-${model}`}>
                <th className="has-text-weight-normal">{model}</th>
                <td className="has-text-right">{share(provenance!.own_predictions, provenance!.total)}</td>
                <td className="has-text-right">{share(provenance!.other_models, provenance!.total)}</td>
                <td className="has-text-right">{share(provenance!.drawn, provenance!.total)}</td>
                <td className="has-text-right">{share(provenance!.imported, provenance!.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollingTable>
    </div>
  );
}

function share(count: number, total: number): string {
  return total ? `${count} (${Math.round((100 * count) / total)}%)` : "0";
}
