import { useEffect } from "react";
import { ErrorNotification } from "../components/common/ErrorNotification";
import { ReviewProgress } from "../components/review/ReviewProgress";
import { useReviewQueue } from "../hooks/useLifecycle";
import { links } from "../hooks/useRoute";
import { DEFAULT_MIN_SCORE } from "../lib/review";

/** Opens the photo the review queue puts first; says so when every kept photo is reviewed. */
export function ReviewQueueScreen() {
  const queue = useReviewQueue(DEFAULT_MIN_SCORE);
  const page = queue.state.status === "done" ? queue.state.data : null;
  const next = page?.items.find((item) => item.image.review_state === "unreviewed")?.image.id ?? null;

  useEffect(() => {
    // Replaced, not pushed: going back leaves the queue rather than landing here to be sent on again.
    if (next !== null) window.location.replace(links.review(next));
  }, [next]);

  return (
    <section aria-labelledby="queue-title">
      <h1 className="title is-4" id="queue-title">
        Review
      </h1>
      {queue.state.status === "error" && (
        <ErrorNotification title="Could not load the review queue" error={queue.state.error} onRetry={queue.reload} />
      )}
      {!page && queue.state.status === "loading" && <progress className="progress is-small is-primary" aria-label="Loading the review queue" />}
      {page && next === null && (
        <>
          <ReviewProgress queue={page} />
          <p data-testid="queue-done">
            {page.total === 0 ? (
              <>
                No photos are kept yet. Turn on “Keep for review” on <a href={links.detect}>Detect</a> and detect some.
              </>
            ) : (
              <>
                Every kept photo is reviewed. Keep more on <a href={links.detect}>Detect</a>, or look through them in{" "}
                <a href={links.history()}>History</a>.
              </>
            )}
          </p>
        </>
      )}
    </section>
  );
}
