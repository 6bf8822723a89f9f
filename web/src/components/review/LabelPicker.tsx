import { useEffect, useRef } from "react";
import { NameOptions } from "../common/NameOptions";

interface Props {
  classes: readonly string[];
  onPick: (label: string) => void;
  onCancel: () => void;
}

/** The label of an object just drawn: focus lands here, and nothing is assumed until the reviewer picks one. */
export function LabelPicker({ classes, onPick, onCancel }: Props) {
  const select = useRef<HTMLSelectElement>(null);
  useEffect(() => select.current?.focus(), []);
  return (
    <div className="notification is-link is-light py-3 px-4" data-testid="label-picker">
      <label className="label is-small" htmlFor="drawn-label">
        What is the object you drew?
      </label>
      <div className="field has-addons">
        <div className="control is-expanded">
          <div className="select is-small is-fullwidth">
            <select
              id="drawn-label"
              ref={select}
              aria-label="Label of the drawn object"
              value=""
              onChange={(event) => event.target.value && onPick(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Escape") onCancel();
              }}
            >
              <option value="" disabled>
                Choose a label…
              </option>
              <NameOptions names={classes} />
            </select>
          </div>
        </div>
        <div className="control">
          <button type="button" className="button is-small" onClick={onCancel}>
            Discard the box
          </button>
        </div>
      </div>
    </div>
  );
}
