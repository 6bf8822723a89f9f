import type { ReviewState } from "../../api/types";

/** "Reviewed" or "To review", in the colours the history and the review screen share. */
export function ReviewStateTag({ state }: { state: ReviewState }) {
  return state === "reviewed" ? (
    <span className="tag is-success is-light">Reviewed</span>
  ) : (
    <span className="tag is-warning is-light">To review</span>
  );
}
