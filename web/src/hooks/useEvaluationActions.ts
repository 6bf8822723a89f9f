/** Starting an evaluation and promoting its winner, with the outcome of each for the page to show. */
import { useState } from "react";
import { promoteModel, startEvaluation, toApiError, type ApiError } from "../api/client";
import type { Evaluation } from "../api/types";

export function useEvaluationActions() {
  const [busy, setBusy] = useState<"start" | "promote" | null>(null);
  const [error, setError] = useState<{ action: "start" | "promote"; error: ApiError } | null>(null);

  const run = async <T,>(action: "start" | "promote", call: () => Promise<T>): Promise<T | null> => {
    setBusy(action);
    setError(null);
    try {
      return await call();
    } catch (cause) {
      setError({ action, error: toApiError(cause) });
      return null;
    } finally {
      setBusy(null);
    }
  };

  return {
    busy,
    error,
    dismissError: () => setError(null),
    start: (models: string[], dataset: string): Promise<Evaluation | null> =>
      run("start", () => startEvaluation(models, dataset)),
    promote: (evaluationId: number, model: string, adminKey: string, useOperatingPoint = false) =>
      run("promote", () => promoteModel(evaluationId, model, adminKey, useOperatingPoint)),
  };
}
