import { MODEL_COLOURS } from "../lib/colors";
import type { Evaluation } from "../api";
import { CHART_METRICS, formatMetric, METRIC_NAMES, metricValue } from "../lib/metrics";

const BAR_HEIGHT = 16;
const GAP = 4;
const LABEL_WIDTH = 140;
const CHART_WIDTH = 360;

/** The headline mAP numbers as bars, one colour per model, on a 0 to 1 scale. */
export function MetricChart({ evaluation }: { evaluation: Evaluation }) {
  const results = evaluation.results;
  const groupHeight = results.length * (BAR_HEIGHT + GAP) + 12;
  const height = CHART_METRICS.length * groupHeight + 24;
  return (
    <figure className="metric-chart">
      <svg
        viewBox={`0 0 ${LABEL_WIDTH + CHART_WIDTH + 60} ${height}`}
        width="100%"
        role="img"
        aria-label={`mAP of ${results.map((r) => r.model).join(" and ")}`}
      >
        {CHART_METRICS.map((metric, group) => (
          <g key={metric} transform={`translate(0, ${group * groupHeight})`}>
            <text x={0} y={BAR_HEIGHT} className="chart-label">
              {METRIC_NAMES[metric]}
            </text>
            {results.map((result, i) => {
              const value = metricValue(result.metrics[metric]) ?? 0;
              const y = i * (BAR_HEIGHT + GAP);
              return (
                <g key={result.model} data-testid={`bar-${metric}-${result.model}`}>
                  <rect
                    x={LABEL_WIDTH}
                    y={y}
                    width={Math.max(1, value * CHART_WIDTH)}
                    height={BAR_HEIGHT}
                    fill={MODEL_COLOURS[i % MODEL_COLOURS.length]}
                  />
                  <text x={LABEL_WIDTH + value * CHART_WIDTH + 4} y={y + BAR_HEIGHT - 4} className="chart-value">
                    {formatMetric(metric, result.metrics[metric])}
                  </text>
                </g>
              );
            })}
          </g>
        ))}
        <g transform={`translate(${LABEL_WIDTH}, ${height - 10})`}>
          {results.map((result, i) => (
            <g key={result.model} transform={`translate(${i * 120}, 0)`}>
              <rect y={-9} width={10} height={10} fill={MODEL_COLOURS[i % MODEL_COLOURS.length]} />
              <text x={14} y={0} className="chart-label">
                {result.model}
              </text>
            </g>
          ))}
        </g>
      </svg>
    </figure>
  );
}
