import { useId, type ReactNode } from "react";
import { formatScore } from "../../lib/format";

interface Props {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (value: number) => void;
  /** The test id of the tag showing the value. */
  valueTestId: string;
  help: ReactNode;
}

/** A labelled slider over a 0..1 value, shown beside it as a score is. */
export function SliderField({ label, value, min, max, step, onChange, valueTestId, help }: Props) {
  // Detect stays mounted under Review's sliders; each needs its own id.
  const id = useId();
  return (
    <div className="field">
      <div className="is-flex is-justify-content-space-between is-align-items-center mb-2">
        <label className="label mb-0" htmlFor={id}>
          {label}
        </label>
        <span className="tag is-medium is-light" data-testid={valueTestId}>
          {formatScore(value)}
        </span>
      </div>
      <div className="control">
        <input
          id={id}
          className="score-slider"
          type="range"
          min={min}
          max={max}
          step={step}
          value={value}
          onChange={(event) => onChange(Number(event.target.value))}
          aria-valuetext={formatScore(value)}
        />
      </div>
      <p className="help">{help}</p>
    </div>
  );
}
