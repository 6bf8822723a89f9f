import { SliderField } from "../common/SliderField";

interface Props {
  value: number;
  onChange: (value: number) => void;
}

/**
 * How much two boxes of a class may overlap (IoU) before the weaker is dropped as a duplicate. Unlike
 * the score slider this is decided on the server, so a change asks it again.
 */
export function OverlapSetting({ value, onChange }: Props) {
  return (
    <SliderField
      label="Overlap allowed (IoU)"
      value={value}
      min={0.1}
      max={0.95}
      step={0.05}
      onChange={onChange}
      valueTestId="iou-value"
      help="Boxes of a class overlapping more are merged; the server is asked again."
    />
  );
}
