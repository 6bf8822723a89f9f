import { useEffect, useState } from "react";
import { isApiKeyRefused, REVIEWED_DATASET } from "../api/client";
import type { Evaluation } from "../api/types";
import { ErrorNotification } from "../components/common/ErrorNotification";
import { ComparisonTable } from "../components/evaluate/ComparisonTable";
import { DatasetsPanel } from "../components/evaluate/DatasetsPanel";
import { MetricChart } from "../components/evaluate/MetricChart";
import { ModelCostTable } from "../components/evaluate/ModelCostTable";
import { OperatingPoint } from "../components/evaluate/OperatingPoint";
import { PhotoErrors } from "../components/evaluate/PhotoErrors";
import { PrCurveChart } from "../components/evaluate/PrCurveChart";
import { PromoteModel } from "../components/evaluate/PromoteModel";
import { ProvenanceTable } from "../components/evaluate/ProvenanceTable";
import { useDatasetTransfer } from "../hooks/useDatasetTransfer";
import { useEvaluationActions } from "../hooks/useEvaluationActions";
import { useDatasets, useEvaluation, useEvaluations } from "../hooks/useLifecycle";
import { modelsChanged, useModels } from "../hooks/useModels";
import { links } from "../hooks/useRoute";
import { formatDate } from "../lib/format";

const POLL_MS = 1000;

const STATUS_TAGS: Record<Evaluation["status"], string> = {
  queued: "is-light",
  running: "is-info is-light",
  done: "is-success is-light",
  failed: "is-danger is-light",
};

/** Run the models on the reviewed photos or a dataset, follow the run, compare their mAP, and promote the better one;
 * import and export datasets. */
export function EvaluateScreen() {
  const models = useModels();
  const datasets = useDatasets();
  const evaluations = useEvaluations();
  const actions = useEvaluationActions();
  const transfer = useDatasetTransfer();
  const [chosenModels, setChosenModels] = useState<string[] | null>(null);
  const [dataset, setDataset] = useState(REVIEWED_DATASET);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [promoted, setPromoted] = useState<{ model: string; threshold: number | null } | null>(null);

  const modelList = models.state.data?.models ?? [];
  const defaultModel = models.state.data?.defaultModel ?? null;
  const picked = chosenModels ?? modelList.map((m) => m.name);
  const datasetList = datasets.state.data?.items ?? [];
  const chosenDataset = datasetList.find((d) => d.name === dataset);
  const pastRuns = evaluations.state.data?.items ?? [];
  const shownId = selectedId ?? pastRuns[0]?.id ?? null;
  const selected = useEvaluation(shownId);
  const evaluation = selected.state.data;
  const unfinished = evaluation?.status === "queued" || evaluation?.status === "running";

  // While a run goes on, ask for its progress every second; when it ends, refresh the list beside it.
  useEffect(() => {
    if (!unfinished) return;
    const timer = setTimeout(selected.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [unfinished, evaluation, selected.reload]);
  const finishedStatus = evaluation && !unfinished ? evaluation.status : null;
  useEffect(() => {
    if (finishedStatus) evaluations.reload();
  }, [finishedStatus, shownId, evaluations.reload]);

  const run = async () => {
    const started = await actions.start(picked, dataset);
    if (started) {
      setSelectedId(started.id);
      setPromoted(null);
      evaluations.reload();
    }
  };

  const promote = async (model: string, adminKey: string, useOperatingPoint: boolean) => {
    if (!evaluation) return;
    const answer = await actions.promote(evaluation.id, model, adminKey, useOperatingPoint);
    if (answer) {
      setPromoted({ model: answer.default_model, threshold: answer.score_threshold ?? null });
      modelsChanged();
    }
  };

  const toggleModel = (name: string) =>
    setChosenModels(picked.includes(name) ? picked.filter((m) => m !== name) : [...picked, name]);

  return (
    <section aria-labelledby="evaluate-title">
      <h1 className="title is-4" id="evaluate-title">
        Compare models
      </h1>
      {[models.state, datasets.state, evaluations.state].map(
        (state, i, states) =>
          state.status === "error" &&
          // One form for the API key is enough: a saved key reloads all three.
          !(isApiKeyRefused(state.error) && states.slice(0, i).some((s) => s.status === "error" && isApiKeyRefused(s.error))) && (
            <ErrorNotification key={i} title="Could not load what an evaluation needs" error={state.error} onRetry={[models.retry, datasets.reload, evaluations.reload][i]} />
          ),
      )}
      {actions.error?.action === "start" && (
        <ErrorNotification
          title="The evaluation did not start"
          error={actions.error.error}
          onClose={actions.dismissError}
        />
      )}
      {promoted && (
        <div className="notification is-success is-light" role="status">
          <button type="button" className="delete" aria-label="Dismiss" onClick={() => setPromoted(null)} />
          {promoted.model} is now the default model
          {promoted.threshold === null
            ? "."
            : `, keeping the boxes that score at least ${promoted.threshold.toFixed(3)} when a request names no threshold.`}
        </div>
      )}

      <div className="columns is-desktop">
        <div className="column is-4-desktop">
          <form
            className="box"
            aria-label="Run an evaluation"
            onSubmit={(event) => {
              event.preventDefault();
              void run();
            }}
          >
            <h2 className="title is-6">Run an evaluation</h2>
            <div className="field">
              <label className="label" htmlFor="dataset-select">
                Photos with known boxes
              </label>
              <div className="select is-fullwidth">
                <select id="dataset-select" value={dataset} onChange={(event) => setDataset(event.target.value)}>
                  {datasetList.map((d) => (
                    <option key={d.name} value={d.name}>
                      {d.name} ({d.images} {d.images === 1 ? "photo" : "photos"})
                    </option>
                  ))}
                </select>
              </div>
              {chosenDataset?.images === 0 && (
                <p className="help is-warning" data-testid="empty-dataset">
                  No photos yet: review stored photos in <a href={links.history()}>History</a> and mark them reviewed.
                </p>
              )}
            </div>
            <fieldset className="field">
              <legend className="label">Models</legend>
              {modelList.map((m) => (
                <label key={m.name} className="checkbox is-block mb-1">
                  <input type="checkbox" className="mr-2" checked={picked.includes(m.name)} onChange={() => toggleModel(m.name)} />
                  {m.name}
                  {m.name === defaultModel && <span className="tag is-small is-light ml-2">default</span>}
                </label>
              ))}
            </fieldset>
            <button
              type="submit"
              className={`button is-primary ${actions.busy === "start" ? "is-loading" : ""}`}
              disabled={picked.length === 0 || !chosenDataset || chosenDataset.images === 0 || unfinished}
            >
              Run evaluation
            </button>
          </form>

          <DatasetsPanel
            datasets={datasetList}
            transfer={transfer}
            onImported={(name) => {
              datasets.reload();
              setDataset(name);
            }}
          />

          {pastRuns.length > 0 && (
            <div className="box">
              <h2 className="title is-6">Evaluations</h2>
              <div className="table-container">
                <table className="table is-fullwidth is-narrow is-hoverable" aria-label="Evaluations">
                  <tbody>
                    {pastRuns.map((past) => (
                      <tr
                        key={past.id}
                        className={past.id === shownId ? "is-selected" : undefined}
                        tabIndex={0}
                        onClick={() => setSelectedId(past.id)}
                        onKeyDown={(event) => {
                          if (event.key === "Enter" || event.key === " ") {
                            event.preventDefault();
                            setSelectedId(past.id);
                          }
                        }}
                      >
                        <td>#{past.id}</td>
                        <td className="is-size-7">{formatDate(past.created_at)}</td>
                        <td className="is-size-7">{past.models.join(", ")}</td>
                        <td>
                          <span className={`tag ${STATUS_TAGS[past.status]}`}>{past.status}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          )}
        </div>

        <div className="column is-8-desktop">
          {selected.state.status === "error" && (
            <ErrorNotification title="Could not load the evaluation" error={selected.state.error} onRetry={selected.reload} />
          )}
          {!evaluation && pastRuns.length === 0 && evaluations.state.status === "done" && (
            <div className="notification is-light">
              No evaluation yet. Reviewed photos are the ground truth: run one to see each model's mAP on them.
            </div>
          )}
          {evaluation && (
            <div className="box" data-testid="evaluation">
              <div className="is-flex is-align-items-center is-flex-wrap-wrap mb-3" style={{ gap: "0.5rem" }}>
                <h2 className="title is-5 mb-0">Evaluation #{evaluation.id}</h2>
                <span className={`tag ${STATUS_TAGS[evaluation.status]}`} data-testid="evaluation-status">
                  {evaluation.status}
                </span>
                <span className="is-size-7 has-text-grey">
                  {evaluation.dataset} · {evaluation.models.join(", ")} · started {formatDate(evaluation.created_at)}
                </span>
              </div>
              {unfinished && (
                <div role="status" aria-live="polite">
                  <progress
                    className="progress is-primary"
                    value={evaluation.progress.total ? evaluation.progress.done : undefined}
                    max={evaluation.progress.total || undefined}
                    aria-label="Evaluation progress"
                  />
                  <p className="is-size-7">
                    {evaluation.progress.done} of {evaluation.progress.total} photo runs done
                  </p>
                </div>
              )}
              {evaluation.status === "failed" && (
                <ErrorNotification title="The evaluation failed" error={new Error(evaluation.error ?? "no reason given")} />
              )}
              {evaluation.status === "done" && (
                <>
                  <MetricChart evaluation={evaluation} />
                  <ModelCostTable evaluation={evaluation} />
                  <ComparisonTable evaluation={evaluation} />
                  <PrCurveChart key={`curves-${evaluation.id}`} results={evaluation.results} />
                  <OperatingPoint results={evaluation.results} />
                  <ProvenanceTable evaluation={evaluation} />
                  <PromoteModel
                    key={evaluation.id}
                    evaluation={evaluation}
                    defaultModel={defaultModel}
                    busy={actions.busy === "promote"}
                    error={actions.error?.action === "promote" ? actions.error.error : null}
                    onPromote={(model, key, useOperatingPoint) => void promote(model, key, useOperatingPoint)}
                  />
                  <PhotoErrors key={`errors-${evaluation.id}`} evaluation={evaluation} />
                </>
              )}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
