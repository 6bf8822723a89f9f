import { colorOf, type ClassColors } from "../../lib/colors";
import type { ShownDetection } from "../../lib/filter";
import { formatScore } from "../../lib/format";

interface Props {
  /** The detections passing the filters, in the order to list them. */
  detections: readonly ShownDetection[];
  /** How many the API returned in all, before the page's filters. */
  total: number;
  colors: ClassColors;
  highlighted: number | null;
  /** Pointing at or focusing a detection (`on`), or leaving it. */
  onHighlight: (index: number, on: boolean) => void;
}

/** The detections as a table; pointing at or focusing a row highlights its box. */
export function DetectionList({ detections, total, colors, highlighted, onHighlight }: Props) {
  if (detections.length === 0) {
    return (
      <p className="has-text-grey" data-testid="detection-list-empty">
        {total === 0
          ? "No objects found in this photo."
          : `None of the ${total} candidates pass the filters. Lower the minimum score or show more classes.`}
      </p>
    );
  }
  return (
    <div className="table-container detection-list">
      <table className="table is-fullwidth is-hoverable is-narrow" aria-label="Detections">
        <thead>
          <tr>
            <th>Object</th>
            <th className="has-text-right">Score</th>
            <th className="has-text-right">Size (px)</th>
          </tr>
        </thead>
        <tbody>
          {detections.map((d) => {
            const { x1, y1, x2, y2 } = d.box;
            return (
              <tr
                key={d.index}
                data-testid={`row-${d.index}`}
                className={highlighted === d.index ? "is-selected" : undefined}
                aria-selected={highlighted === d.index}
                tabIndex={0}
                onMouseEnter={() => onHighlight(d.index, true)}
                onMouseLeave={() => onHighlight(d.index, false)}
                onFocus={() => onHighlight(d.index, true)}
                onBlur={() => onHighlight(d.index, false)}
                title={`(${Math.round(x1)}, ${Math.round(y1)}) to (${Math.round(x2)}, ${Math.round(y2)})`}
              >
                <td>
                  <span className="class-swatch" style={{ backgroundColor: colorOf(colors, d.class_id) }} />
                  {d.label}
                </td>
                <td className="has-text-right">{formatScore(d.score)}</td>
                <td className="has-text-right">
                  {Math.round(x2 - x1)}×{Math.round(y2 - y1)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
