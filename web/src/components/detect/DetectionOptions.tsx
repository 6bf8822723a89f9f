export interface DetectionChoices {
  agnosticNms: boolean;
  ttaFlip: boolean;
}

interface Props {
  value: DetectionChoices;
  onChange: (value: DetectionChoices) => void;
}

const CHOICES: [keyof DetectionChoices, string][] = [
  ["agnosticNms", "One label per object"],
  ["ttaFlip", "Also look at the photo mirrored (slower)"],
];

/** How the server should detect: one label per object, and a second, mirrored look at the photo. */
export function DetectionOptions({ value, onChange }: Props) {
  return (
    <fieldset className="field">
      <legend className="label">Detection</legend>
      {CHOICES.map(([choice, label]) => (
        <label key={choice} className="checkbox is-block mb-1">
          <input
            type="checkbox"
            className="mr-2"
            checked={value[choice]}
            onChange={(event) => onChange({ ...value, [choice]: event.target.checked })}
          />
          {label}
        </label>
      ))}
      <p className="help">
        One label: overlapping boxes of different classes keep only the best (no “cat” on a dog). Mirrored: a second
        pass on the flipped photo, its boxes fused with the first's.
      </p>
    </fieldset>
  );
}
