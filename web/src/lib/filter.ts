/** Which detections the page shows, decided in the page so moving a control never calls the API. */
import type { Detection } from "../api/types";

/** A detection with its position in the API's answer, which identifies it across filtering. */
export interface ShownDetection extends Detection {
  index: number;
}

export interface DetectionFilter {
  minScore: number;
  hiddenClasses: ReadonlySet<string>;
}

export function withIndex(detections: readonly Detection[]): ShownDetection[] {
  return detections.map((detection, index) => ({ ...detection, index }));
}

/** The detections passing the filter, best score first; the input is left as it is. */
export function filterDetections(detections: readonly ShownDetection[], filter: DetectionFilter): ShownDetection[] {
  return detections
    .filter((d) => d.score >= filter.minScore && !filter.hiddenClasses.has(d.label))
    .sort((a, b) => b.score - a.score);
}

export interface ClassCount {
  label: string;
  classId: number;
  /** How many detections of this class reach the minimum score. */
  count: number;
}

/** Every class in `detections` with how many reach `minScore`, most frequent first. */
export function countClasses(detections: readonly Detection[], minScore: number): ClassCount[] {
  const counts = new Map<string, ClassCount>();
  for (const d of detections) {
    const entry = counts.get(d.label) ?? { label: d.label, classId: d.class_id, count: 0 };
    if (d.score >= minScore) entry.count += 1;
    counts.set(d.label, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}
