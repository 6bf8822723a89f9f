import { useId } from "react";
import { formatScore } from "../../lib/format";

interface Props {
  value: number;
  /** The lowest score the API was asked for; the slider cannot go below what the page has. */
  min: number;
  onChange: (value: number) => void;
  /** How many detections reach `value`, out of how many the page has. */
  shown: number;
  total: number;
}

/** Minimum score slider; it filters in the page, so the drawing follows it at once. */
export function ScoreFilter({ value, min, onChange, shown, total }: Props) {
  // Detect stays mounted under Review's slider; each needs its own id.
  const id = useId();
  return (
    <div className="field">
      <div className="is-flex is-justify-content-space-between is-align-items-center mb-2">
        <label className="label mb-0" htmlFor={id}>
          Minimum score
        </label>
        <span className="tag is-medium is-light" data-testid="score-value">
          {formatScore(value)}
        </span>
      </div>
      <div className="control">
        <input
          id={id}
          className="score-slider"
          type="range"
          min={min}
          max={1}
          step={0.01}
          value={value}
          onChange={(event) => onChange(Number(event.target.value))}
          aria-valuetext={formatScore(value)}
        />
      </div>
      <p className="help">
        {total > 0 ? `${shown} of ${total} candidates reach ${formatScore(value)}.` : "Boxes scoring below this are hidden."}
      </p>
    </div>
  );
}
