/** Starting an evaluation and promoting its winner, with the outcome of each for the page to show. */
import { promoteModel, startEvaluation } from "../api/client";
import type { Evaluation } from "../api/types";
import { useActions } from "./useActions";

export function useEvaluationActions() {
  const { busy, error, dismissError, run } = useActions<"start" | "promote">();
  return {
    busy,
    error,
    dismissError,
    start: (models: string[], dataset: string): Promise<Evaluation | null> =>
      run("start", () => startEvaluation(models, dataset)),
    promote: (evaluationId: number, model: string, adminKey: string, useOperatingPoint = false) =>
      run("promote", () => promoteModel(evaluationId, model, adminKey, useOperatingPoint)),
  };
}
