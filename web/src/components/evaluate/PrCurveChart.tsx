import { useId, useState } from "react";
import type { EvaluationResult } from "../../api/types";
import { useElementSize } from "../../hooks/useElementSize";
import { MODEL_COLOURS } from "../../lib/colors";
import { NameOptions } from "../common/NameOptions";

/** Widest the chart is drawn; narrower where its box is narrower. */
const MAX_WIDTH = 630;
const MIN_WIDTH = 160;
const MARGIN = { left: 44, right: 12, top: 12, bottom: 36 };
const TICKS = [0, 0.25, 0.5, 0.75, 1];
const ALL_CLASSES = "";

/** The curve of one model for the chosen class (or averaged over the classes); null when it has none. */
function curveOf(result: EvaluationResult, label: string): number[] | null {
  const curves = result.curves;
  if (!curves) return null;
  return label === ALL_CLASSES ? curves.precision : (curves.per_class[label] ?? null);
}

function average(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * Precision against recall at IoU 0.50, one line per model: COCOeval's own interpolated precision at its
 * 101 recall thresholds, averaged over the classes or for one class, so the area under a line is the
 * model's AP@50 there.
 */
export function PrCurveChart({ results }: { results: EvaluationResult[] }) {
  const [label, setLabel] = useState(ALL_CLASSES);
  const selectId = useId();
  // Drawn at the width it is given, never scaled, so its 12 px text stays 12 px on a phone.
  const [measure, size] = useElementSize<HTMLDivElement>();
  const width = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, size?.width ?? 420)));
  const height = Math.round(Math.min(300, Math.max(220, width * 0.72)));
  const x = (recall: number) => MARGIN.left + recall * (width - MARGIN.left - MARGIN.right);
  const y = (precision: number) => MARGIN.top + (1 - precision) * (height - MARGIN.top - MARGIN.bottom);
  const withCurves = results.filter((r) => r.curves);
  if (withCurves.length === 0) return null;
  const recall = withCurves[0].curves!.recall;
  const classes = [...new Set(withCurves.flatMap((r) => Object.keys(r.curves!.per_class)))].sort();
  const shownClass = label === ALL_CLASSES ? "all classes (mean)" : label;

  return (
    <figure className="box" aria-labelledby={`${selectId}-title`}>
      <div className="is-flex is-align-items-center is-flex-wrap-wrap mb-2" style={{ gap: "0.75rem" }}>
        <h3 className="title is-6 mb-0" id={`${selectId}-title`}>
          Precision and recall, IoU 0.50
        </h3>
        <div className="select is-small">
          <select id={selectId} aria-label="Class of the curves" value={label} onChange={(event) => setLabel(event.target.value)}>
            <option value={ALL_CLASSES}>All classes (mean)</option>
            <NameOptions names={classes} />
          </select>
        </div>
      </div>
      <div ref={measure} className="pr-curve-chart">
        <svg
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          role="img"
          aria-label={`Precision against recall for ${shownClass}: ${withCurves.map((r) => r.model).join(" and ")}`}
        >
          {TICKS.map((tick) => (
            <g key={tick} className="chart-label">
              <line x1={x(0)} x2={x(1)} y1={y(tick)} y2={y(tick)} stroke="#ddd" />
              <line x1={x(tick)} x2={x(tick)} y1={y(0)} y2={y(1)} stroke="#ddd" />
              <text x={MARGIN.left - 6} y={y(tick) + 4} textAnchor="end">
                {tick}
              </text>
              <text x={x(tick)} y={y(0) + 16} textAnchor="middle">
                {tick}
              </text>
            </g>
          ))}
          <text x={x(0.5)} y={height - 4} textAnchor="middle" className="chart-label">
            recall
          </text>
          <text transform={`translate(11, ${y(0.5)}) rotate(-90)`} textAnchor="middle" className="chart-label">
            precision
          </text>
          {withCurves.map((result) => {
            const curve = curveOf(result, label);
            if (!curve) return null;
            const colour = MODEL_COLOURS[results.indexOf(result) % MODEL_COLOURS.length];
            return (
              <polyline
                key={result.model}
                data-testid={`pr-curve-${result.model}`}
                data-area={average(curve).toFixed(3)}
                points={curve.map((p, i) => `${x(recall[i]).toFixed(1)},${y(p).toFixed(1)}`).join(" ")}
                fill="none"
                stroke={colour}
                strokeWidth={2}
              />
            );
          })}
        </svg>
      </div>
      <figcaption>
        <ul className="is-flex is-flex-wrap-wrap is-size-7" style={{ gap: "1rem" }} aria-label="Curves">
          {withCurves.map((result) => {
            const curve = curveOf(result, label);
            const colour = MODEL_COLOURS[results.indexOf(result) % MODEL_COLOURS.length];
            return (
              <li key={result.model} data-testid={`pr-legend-${result.model}`}>
                <span className="mr-1" style={{ display: "inline-block", width: 10, height: 10, background: colour }} />
                {result.model}: {curve ? `AP@50 ${average(curve).toFixed(3)}` : `no ${shownClass} in the ground truth`}
              </li>
            );
          })}
        </ul>
        <p className="help">
          COCO's interpolated precision at each recall: the best precision the model reaches at that recall or beyond.
          The area under a line is its AP at IoU 0.50.
        </p>
      </figcaption>
    </figure>
  );
}
