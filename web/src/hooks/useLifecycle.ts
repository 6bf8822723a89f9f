/** Stored photos, evaluations and stats from the API, each reloaded when what it depends on changes. */
import { getEvaluation, getImage, getStats, listDatasets, listEvaluations, listImages, type ImageQuery } from "../api/client";
import { useResource } from "./useResource";

export function useImages(query: ImageQuery) {
  return useResource((signal) => listImages(query, signal), JSON.stringify(query));
}

export function useImage(imageId: number) {
  return useResource((signal) => getImage(imageId, signal), String(imageId));
}

export function useDatasets() {
  return useResource(listDatasets, "datasets");
}

export function useEvaluations() {
  return useResource(listEvaluations, "evaluations");
}

export function useEvaluation(evaluationId: number | null) {
  return useResource(
    (signal) => (evaluationId === null ? Promise.resolve(null) : getEvaluation(evaluationId, signal)),
    String(evaluationId),
  );
}

export function useStats() {
  return useResource(getStats, "stats");
}
