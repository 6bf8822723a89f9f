import { formatScore } from "../../lib/format";
import { SliderField } from "./SliderField";

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
  return (
    <SliderField
      label="Minimum score"
      value={value}
      min={min}
      max={1}
      step={0.01}
      onChange={onChange}
      valueTestId="score-value"
      help={
        total > 0 ? `${shown} of ${total} candidates reach ${formatScore(value)}.` : "Boxes scoring below this are hidden."
      }
    />
  );
}
