/** Stored photos, evaluations and stats from the API, each reloaded when what it depends on changes. */
import { getEvaluation, getImage, getReviewQueue, getStats, listDatasets, listEvaluations, listImages, type ImageQuery } from "../api/client";
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

// The photo on screen may head the queue; the one after it is then second.
const QUEUE_LOOKAHEAD = 2;

/**
 * The head of the review queue and its progress counts, ranked for `scoreThreshold` (what the
 * reviewer is shown). `nextAfter(id)`: asks the queue afresh for the first photo nobody has reviewed
 * other than `id`, null when there is none.
 */
export function useReviewQueue(scoreThreshold: number) {
  const queue = useResource(
    (signal) => getReviewQueue({ perPage: QUEUE_LOOKAHEAD, scoreThreshold }, signal),
    `queue ${scoreThreshold}`,
  );
  const nextAfter = async (imageId: number | null): Promise<number | null> => {
    const page = await getReviewQueue({ perPage: QUEUE_LOOKAHEAD, scoreThreshold });
    queue.replace(page);
    const next = page.items.find((item) => item.image.id !== imageId && item.image.review_state === "unreviewed");
    return next?.image.id ?? null;
  };
  return { ...queue, nextAfter };
}
