import type { FeedbackShare } from "../api/types";
import { ErrorNotification } from "../components/common/ErrorNotification";
import { ScrollingTable } from "../components/common/ScrollingTable";
import { ShareChart } from "../components/stats/ShareChart";
import { useStats } from "../hooks/useLifecycle";
import { links } from "../hooks/useRoute";
import { formatScore } from "../lib/format";

/** How the models are doing by the reviewers' verdicts: photos kept and reviewed, share of boxes marked correct. */
export function StatsScreen() {
  const stats = useStats();
  const data = stats.state.data;
  const judged = data?.feedback.by_model.reduce((sum, s) => sum + s.judged, 0) ?? 0;
  const correct = data?.feedback.by_model.reduce((sum, s) => sum + s.correct, 0) ?? 0;

  return (
    <section aria-labelledby="stats-title">
      <div className="is-flex is-justify-content-space-between is-align-items-baseline mb-4">
        <h1 className="title is-4 mb-0" id="stats-title">
          Stats
        </h1>
        <button type="button" className={`button is-small ${stats.state.status === "loading" ? "is-loading" : ""}`} onClick={stats.reload}>
          Refresh
        </button>
      </div>
      {stats.state.status === "error" && <ErrorNotification title="Could not load the stats" error={stats.state.error} onRetry={stats.reload} />}
      {data && (
        <>
          <div className="columns is-mobile is-multiline has-text-centered">
            {[
              ["Photos kept", data.images, "stat-images"],
              ["Reviewed", data.reviewed_images, "stat-reviewed"],
              ["Boxes judged", judged, "stat-judged"],
              ["Marked correct", judged ? formatScore(correct / judged) : "—", "stat-correct"],
            ].map(([title, value, id]) => (
              <div key={id} className="column is-3-tablet is-6-mobile">
                <div className="box">
                  <p className="is-size-7 has-text-grey">{title}</p>
                  <p className="title is-3" data-testid={id}>
                    {value}
                  </p>
                </div>
              </div>
            ))}
          </div>
          {judged === 0 ? (
            <div className="notification is-light">
              No verdicts yet. Open a photo in <a href={links.history()}>History</a> and mark its boxes correct or not an object.
            </div>
          ) : (
            <div className="columns is-desktop">
              <div className="column">
                <div className="box">
                  <h2 className="title is-6">Share marked correct, by model</h2>
                  <ShareTable shares={data.feedback.by_model} label="by model" />
                  <h2 className="title is-6 mt-5">By day</h2>
                  <ShareChart shares={data.feedback.by_day} />
                </div>
              </div>
              <div className="column">
                <div className="box">
                  <h2 className="title is-6">By class</h2>
                  <ShareTable shares={[...data.feedback.by_class].sort((a, b) => b.judged - a.judged)} label="by class" />
                </div>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function ShareTable({ shares, label }: { shares: readonly FeedbackShare[]; label: string }) {
  const withClass = shares.some((s) => s.label !== undefined);
  return (
    <ScrollingTable label={`Share marked correct ${label}, scrollable`}>
      <table className="table is-fullwidth is-narrow" aria-label={`Share marked correct ${label}`}>
        <thead>
          <tr>
            <th>Model</th>
            {withClass && <th>Class</th>}
            <th className="has-text-right">Judged</th>
            <th className="has-text-right">Correct</th>
            <th style={{ width: "30%" }}>Share</th>
          </tr>
        </thead>
        <tbody>
          {shares.map((s) => (
            <tr key={`${s.model}/${s.label ?? ""}`}>
              <td>{s.model}</td>
              {withClass && <td>{s.label}</td>}
              <td className="has-text-right">{s.judged}</td>
              <td className="has-text-right">{s.correct}</td>
              <td>
                {s.share_correct === null ? (
                  "—"
                ) : (
                  <div className="is-flex is-align-items-center" style={{ gap: "0.5rem" }}>
                    <progress className="progress is-small is-success mb-0" value={s.share_correct} max={1} aria-label={`${s.model} share correct`} />
                    <span className="is-size-7">{formatScore(s.share_correct)}</span>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollingTable>
  );
}
