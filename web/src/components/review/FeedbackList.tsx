import { useRef, type KeyboardEvent } from "react";
import { formatScore } from "../../lib/format";
import { NameOptions } from "../common/NameOptions";
import type { BoxTone } from "./BoxEditor";

export interface ReviewRow {
  key: string;
  kind: "detection" | "missed";
  label: string;
  /** The model's label, when the reviewer changed it. */
  modelLabel: string | null;
  score: number | null;
  tone: BoxTone;
}

interface Props {
  rows: readonly ReviewRow[];
  classes: readonly string[];
  selected: string | null;
  onSelect: (key: string | null) => void;
  onVerdict: (key: string, verdict: "correct" | "not_an_object" | null) => void;
  onLabel: (key: string, label: string) => void;
  /** Move the box (or, with `resize`, its lower right corner) by a step of the photo's size. */
  onNudge: (key: string, dx: number, dy: number, resize: boolean) => void;
  onRemove: (key: string) => void;
}

const TONE_NAMES: Record<BoxTone, string> = {
  unjudged: "not judged",
  correct: "correct",
  wrong: "not an object",
  fixed: "fixed",
  missed: "missed by the model",
};

const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/**
 * The boxes as rows to judge. Each row takes keys: C correct, X not an object, L its label,
 * Delete takes the word back (or removes a drawn box), arrows move the box, Alt+arrows resize it.
 */
export function FeedbackList({ rows, classes, selected, onSelect, onVerdict, onLabel, onNudge, onRemove }: Props) {
  const labelSelects = useRef(new Map<string, HTMLSelectElement>());

  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>, row: ReviewRow) => {
    if (event.target !== event.currentTarget) return;
    const key = event.key.toLowerCase();
    const arrow = ARROWS[event.key];
    if (arrow) {
      const step = event.shiftKey ? 10 : 1;
      onNudge(row.key, arrow[0] * step, arrow[1] * step, event.altKey);
    } else if (key === "c" && row.kind === "detection") onVerdict(row.key, "correct");
    else if (key === "x" && row.kind === "detection") onVerdict(row.key, "not_an_object");
    else if (key === "l") labelSelects.current.get(row.key)?.focus();
    else if (event.key === "Delete" || event.key === "Backspace") {
      if (row.kind === "missed") onRemove(row.key);
      else onVerdict(row.key, null);
    } else return;
    event.preventDefault();
  };

  if (rows.length === 0) {
    return <p className="has-text-grey">No boxes at this score. Lower the minimum score, or draw the objects the model missed.</p>;
  }
  return (
    <div className="table-container">
      <table className="table is-fullwidth is-narrow is-hoverable feedback-list" aria-label="Boxes to review">
        <thead>
          <tr>
            <th>Object</th>
            <th className="has-text-right">Score</th>
            <th>Verdict</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.key}
              data-testid={`review-row-${row.key}`}
              tabIndex={0}
              className={selected === row.key ? "is-selected" : undefined}
              aria-selected={selected === row.key}
              aria-label={`${row.label}${row.score !== null ? ` ${formatScore(row.score)}` : ""}, ${TONE_NAMES[row.tone]}`}
              onFocus={(event) => {
                if (event.target === event.currentTarget) onSelect(row.key);
              }}
              onClick={() => onSelect(row.key)}
              onKeyDown={(event) => onKeyDown(event, row)}
            >
              <td className="label-cell">
                <span className={`class-swatch tone-${row.tone}`} />
                <div className="select is-small">
                  <select
                    ref={(element) => {
                      if (element) labelSelects.current.set(row.key, element);
                      else labelSelects.current.delete(row.key);
                    }}
                    aria-label={`Label of ${row.label}`}
                    value={row.label}
                    onChange={(event) => onLabel(row.key, event.target.value)}
                  >
                    <NameOptions names={(classes.includes(row.label) ? classes : [row.label, ...classes])} />
                  </select>
                </div>
                {row.modelLabel && <p className="is-size-7 has-text-grey">was {row.modelLabel}</p>}
              </td>
              <td className="has-text-right">{row.score !== null ? formatScore(row.score) : "—"}</td>
              <td>
                {row.kind === "detection" ? (
                  <div className="buttons has-addons are-small is-flex-wrap-nowrap mb-0">
                    <button
                      type="button"
                      className={`button ${row.tone === "correct" || row.tone === "fixed" ? "is-success" : ""}`}
                      aria-pressed={row.tone === "correct" || row.tone === "fixed"}
                      title="Correct (C)"
                      onClick={() => onVerdict(row.key, "correct")}
                    >
                      Correct
                    </button>
                    <button
                      type="button"
                      className={`button ${row.tone === "wrong" ? "is-danger" : ""}`}
                      aria-pressed={row.tone === "wrong"}
                      title="Not an object (X)"
                      onClick={() => onVerdict(row.key, "not_an_object")}
                    >
                      Not an object
                    </button>
                  </div>
                ) : (
                  <button type="button" className="button is-small is-light" title="Remove (Delete)" onClick={() => onRemove(row.key)}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
