/** Names and formats for the COCO numbers an evaluation reports. */
import { formatBytes, formatMs } from "./format";

export const METRIC_NAMES: Record<string, string> = {
  map: "mAP, IoU 0.50:0.95",
  map_50: "mAP, IoU 0.50",
  map_75: "mAP, IoU 0.75",
  map_small: "mAP, small objects",
  map_medium: "mAP, medium objects",
  map_large: "mAP, large objects",
  mar_1: "Recall, 1 box per photo",
  mar_10: "Recall, 10 boxes per photo",
  mar_100: "Recall, 100 boxes per photo",
  mar_small: "Recall, small objects",
  mar_medium: "Recall, medium objects",
  mar_large: "Recall, large objects",
  latency_ms: "Time per photo",
  latency_p50_ms: "Time per photo, median",
  memory_mb: "Memory once loaded",
};

/** The metrics the chart shows: the headline number and its two usual companions. */
export const CHART_METRICS = ["map", "map_50", "map_75"] as const;

/** Nothing to measure (e.g. the dataset has no small objects): null from the API, -1 from older runs; shown as "n/a". */
export function metricValue(value: number | null | undefined): number | null {
  return value === null || value === undefined || value < 0 ? null : value;
}

export function formatMetric(metric: string, value: number | null | undefined): string {
  const shown = metricValue(value);
  if (shown === null) return "n/a";
  if (metric === "latency_ms" || metric === "latency_p50_ms") return formatMs(shown);
  if (metric === "memory_mb") return formatBytes(shown * 1_000_000);
  return shown.toFixed(3);
}

