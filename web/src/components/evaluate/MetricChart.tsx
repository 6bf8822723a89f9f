import type { Evaluation } from "../../api/types";
import { useElementSize } from "../../hooks/useElementSize";
import { MODEL_COLOURS } from "../../lib/colors";
import { CHART_METRICS, formatMetric, METRIC_NAMES, metricValue } from "../../lib/metrics";

const BAR_HEIGHT = 16;
const GAP = 4;
const LABEL_WIDTH = 140;
/** Room right of the longest bar for its value. */
const VALUE_WIDTH = 48;
const LEGEND_ITEM_WIDTH = 120;
/** Narrower than this, a metric's name goes above its bars instead of beside them. */
const STACKED_BELOW = 480;

/**
 * The headline mAP numbers as bars, one colour per model, on a 0 to 1 scale. Drawn at the width it
 * is given, never scaled, so its 12 px text stays 12 px on a phone.
 */
export function MetricChart({ evaluation }: { evaluation: Evaluation }) {
  const [measure, size] = useElementSize<HTMLElement>();
  const width = Math.max(200, Math.floor(size?.width ?? 560));
  const stacked = width < STACKED_BELOW;
  const labelWidth = stacked ? 0 : LABEL_WIDTH;
  const labelRow = stacked ? 18 : 0;
  const barsWidth = width - labelWidth - VALUE_WIDTH;
  const results = evaluation.results;
  const groupHeight = labelRow + results.length * (BAR_HEIGHT + GAP) + 12;
  const perLegendRow = Math.max(1, Math.floor((width - labelWidth) / LEGEND_ITEM_WIDTH));
  const legendRows = Math.ceil(results.length / perLegendRow);
  const height = CHART_METRICS.length * groupHeight + legendRows * 18 + 6;
  return (
    <figure className="metric-chart" ref={measure}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-label={`mAP of ${results.map((r) => r.model).join(" and ")}`}
      >
        {CHART_METRICS.map((metric, group) => (
          <g key={metric} transform={`translate(0, ${group * groupHeight})`}>
            <text x={0} y={stacked ? 12 : BAR_HEIGHT} className="chart-label">
              {METRIC_NAMES[metric]}
            </text>
            {results.map((result, i) => {
              const value = metricValue(result.metrics[metric]) ?? 0;
              const y = labelRow + i * (BAR_HEIGHT + GAP);
              return (
                <g key={result.model} data-testid={`bar-${metric}-${result.model}`}>
                  <rect
                    x={labelWidth}
                    y={y}
                    width={Math.max(1, value * barsWidth)}
                    height={BAR_HEIGHT}
                    fill={MODEL_COLOURS[i % MODEL_COLOURS.length]}
                  />
                  <text x={labelWidth + value * barsWidth + 4} y={y + BAR_HEIGHT - 4} className="chart-value">
                    {formatMetric(metric, result.metrics[metric])}
                  </text>
                </g>
              );
            })}
          </g>
        ))}
        <g transform={`translate(${labelWidth}, ${CHART_METRICS.length * groupHeight + 10})`}>
          {results.map((result, i) => (
            <g
              key={result.model}
              transform={`translate(${(i % perLegendRow) * LEGEND_ITEM_WIDTH}, ${Math.floor(i / perLegendRow) * 18})`}
            >
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
