import { colorOf, type ClassColors } from "../../lib/colors";
import type { ClassCount } from "../../lib/filter";

interface Props {
  classes: readonly ClassCount[];
  hidden: ReadonlySet<string>;
  colors: ClassColors;
  onChange: (hidden: Set<string>) => void;
}

/** One toggle per class found in the photo; a class switched off disappears from the drawing and the list. */
export function ClassFilter({ classes, hidden, colors, onChange }: Props) {
  // A class with nothing above the score is left out, unless it is switched off and would otherwise be forgotten.
  const offered = classes.filter((c) => c.count > 0 || hidden.has(c.label));
  if (offered.length === 0) return null;

  const toggle = (label: string) => {
    const next = new Set(hidden);
    if (next.has(label)) next.delete(label);
    else next.add(label);
    onChange(next);
  };

  return (
    <div className="field">
      <div className="label is-flex is-justify-content-space-between">
        <span id="class-filter-label">Classes</span>
        {hidden.size > 0 && (
          <button type="button" className="button is-small is-text" onClick={() => onChange(new Set())}>
            Show all
          </button>
        )}
      </div>
      <div className="tags" role="group" aria-labelledby="class-filter-label">
        {offered.map((c) => {
          const on = !hidden.has(c.label);
          return (
            <button
              key={c.label}
              type="button"
              className={`tag is-medium class-toggle ${on ? "" : "is-off"}`}
              aria-pressed={on}
              onClick={() => toggle(c.label)}
              title={on ? `Hide ${c.label}` : `Show ${c.label}`}
            >
              <span className="class-swatch" style={{ backgroundColor: colorOf(colors, c.classId) }} />
              {c.label}
              <span className="ml-1 has-text-grey">{c.count}</span>
            </button>
          );
        })}
      </div>
    </div>
  );
}
