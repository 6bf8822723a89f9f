import type { ReviewQueuePage } from "../../api/types";

interface Props {
  queue: ReviewQueuePage;
  /** The photo on screen: its reasons show when it is among the queue's first photos. */
  imageId?: number;
}

/** "12 of 40 reviewed" for the kept photos, and why the review queue put this photo where it is. */
export function ReviewProgress({ queue, imageId }: Props) {
  const reasons = queue.items.find((item) => item.image.id === imageId)?.reasons ?? [];
  const text = `${queue.reviewed} of ${queue.total} reviewed`;
  return (
    <div className="mb-4" data-testid="review-progress">
      <div className="is-flex is-align-items-center" style={{ gap: "0.75rem" }}>
        <progress className="progress is-small is-success mb-0" value={queue.reviewed} max={Math.max(queue.total, 1)} aria-label={text} />
        <span className="is-size-7 has-text-weight-semibold" style={{ whiteSpace: "nowrap" }}>
          {text}
        </span>
      </div>
      {reasons.length > 0 && (
        <p className="is-size-7 has-text-grey mt-1" data-testid="queue-reasons">
          Why this photo: {reasons.map((reason) => reason.message).join("; ")}.
        </p>
      )}
    </div>
  );
}
