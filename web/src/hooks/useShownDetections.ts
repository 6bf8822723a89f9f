import { useMemo } from "react";
import type { DetectResult } from "../api/types";
import { assignClassColors, type ClassColors } from "../lib/colors";
import { filterDetections, withIndex, type ShownDetection } from "../lib/filter";

const NO_HIDDEN_CLASSES: ReadonlySet<string> = new Set();

export interface ShownDetections {
  /** Every detection of the answer, in the API's order. */
  all: ShownDetection[];
  /** Those passing the score floor and not hidden, best score first. */
  shown: ShownDetection[];
  /** One colour per class of the answer, the same whatever is filtered out. */
  colors: ClassColors;
}

/** What a view of one answer draws: its detections filtered as the page's controls say, and their colours. */
export function useShownDetections(
  result: DetectResult | null,
  minScore: number,
  hiddenClasses: ReadonlySet<string> = NO_HIDDEN_CLASSES,
): ShownDetections {
  const all = useMemo(() => withIndex(result?.detections ?? []), [result]);
  const shown = useMemo(() => filterDetections(all, { minScore, hiddenClasses }), [all, minScore, hiddenClasses]);
  const colors = useMemo(() => assignClassColors(all), [all]);
  return { all, shown, colors };
}
