import type { FeedbackShare } from "../../api/types";
import { MODEL_COLOURS } from "../../lib/colors";
import { formatScore } from "../../lib/format";

const WIDTH = 480;
const HEIGHT = 140;

/** Share of boxes marked correct per day, one bar per model and day: whether a model is getting worse shows here. */
export function ShareChart({ shares }: { shares: readonly FeedbackShare[] }) {
  const days = [...new Set(shares.map((s) => s.day ?? ""))].sort();
  const models = [...new Set(shares.map((s) => s.model))];
  if (days.length === 0) return null;
  const slot = WIDTH / days.length;
  const bar = Math.min(24, (slot - 8) / models.length);
  return (
    <figure>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + 34}`} width="100%" role="img" aria-label="Share marked correct by day">
        <line x1={0} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} stroke="currentColor" strokeOpacity={0.3} />
        <line x1={0} x2={WIDTH} y1={1} y2={1} stroke="currentColor" strokeOpacity={0.15} strokeDasharray="4 4" />
        <text x={WIDTH} y={12} textAnchor="end" className="chart-label">
          100% correct
        </text>
        {days.map((day, d) => (
          <g key={day} transform={`translate(${d * slot + 4}, 0)`}>
            {models.map((model, m) => {
              const share = shares.find((s) => s.day === day && s.model === model)?.share_correct;
              if (share === null || share === undefined) return null;
              return (
                <rect key={model} x={m * bar} y={HEIGHT - share * HEIGHT} width={bar - 2} height={share * HEIGHT} fill={MODEL_COLOURS[m % MODEL_COLOURS.length]}>
                  <title>{`${model}, ${day}: ${formatScore(share)}`}</title>
                </rect>
              );
            })}
            <text x={0} y={HEIGHT + 14} className="chart-label">
              {day.slice(5)}
            </text>
          </g>
        ))}
        {models.map((model, m) => (
          <g key={model} transform={`translate(${m * 120}, ${HEIGHT + 30})`}>
            <rect y={-9} width={10} height={10} fill={MODEL_COLOURS[m % MODEL_COLOURS.length]} />
            <text x={14} className="chart-label">
              {model}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
