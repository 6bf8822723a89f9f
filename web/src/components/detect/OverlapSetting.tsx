import { useId } from "react";
import { formatScore } from "../../lib/format";

interface Props {
  value: number;
  onChange: (value: number) => void;
}

/**
 * How much two boxes of a class may overlap (IoU) before the weaker is dropped as a duplicate. Unlike
 * the score slider this is decided on the server, so a change asks it again.
 */
export function OverlapSetting({ value, onChange }: Props) {
  const id = useId();
  return (
    <div className="field">
      <div className="is-flex is-justify-content-space-between is-align-items-center mb-2">
        <label className="label mb-0" htmlFor={id}>
          Overlap allowed (IoU)
        </label>
        <span className="tag is-medium is-light" data-testid="iou-value">
          {formatScore(value)}
        </span>
      </div>
      <div className="control">
        <input
          id={id}
          className="score-slider"
          type="range"
          min={0.1}
          max={0.95}
          step={0.05}
          value={value}
          onChange={(event) => onChange(Number(event.target.value))}
          aria-valuetext={formatScore(value)}
        />
      </div>
      <p className="help">Boxes of a class overlapping more are merged; the server is asked again.</p>
    </div>
  );
}
