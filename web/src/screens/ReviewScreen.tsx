import { useEffect, useRef, useState } from "react";
import { toApiError, type ApiError } from "../api/client";
import type { Box, StoredDetection } from "../api/types";
import { useElementSize } from "../hooks/useElementSize";
import { useReviewQueue } from "../hooks/useLifecycle";
import { useModels } from "../hooks/useModels";
import { useReview } from "../hooks/useReview";
import { guardLeaving, links } from "../hooks/useRoute";
import { formatDate, formatScore } from "../lib/format";
import {
  currentJudgement,
  DEFAULT_MIN_SCORE,
  fixJudgement,
  normaliseBox,
  shownBox,
  shownLabel,
  type Judgement,
  type ReviewDraft,
} from "../lib/review";
import { ErrorNotification } from "../components/common/ErrorNotification";
import { ReviewStateTag } from "../components/common/ReviewStateTag";
import { ScoreFilter } from "../components/common/ScoreFilter";
import { StoredPhoto } from "../components/common/StoredPhoto";
import { BoxEditor, type BoxTone, type EditableBox } from "../components/review/BoxEditor";
import { FeedbackList, type ReviewRow } from "../components/review/FeedbackList";
import { LabelPicker } from "../components/review/LabelPicker";
import { ReviewProgress } from "../components/review/ReviewProgress";

// Label Studio's and CVAT's "submit" key; it works wherever the focus is on this screen.
const SAVE_AND_NEXT_KEYS = "Control+Enter";

/** A stored photo's boxes to mark right or wrong, relabel, fix by their corners, and complete with missed ones. */
export function ReviewScreen({ imageId }: { imageId: number }) {
  const review = useReview(imageId);
  const models = useModels();
  const [measure, display] = useElementSize<HTMLImageElement>();
  const [predictionId, setPredictionId] = useState<number | null>(null);
  const [minScore, setMinScore] = useState(DEFAULT_MIN_SCORE);
  const [selected, setSelected] = useState<string | null>(null);
  const [drawing, setDrawing] = useState(false);
  const [nextKey, setNextKey] = useState(1);
  // A box just drawn, waiting for the reviewer to name it.
  const [unlabelled, setUnlabelled] = useState<Box | null>(null);
  const queue = useReviewQueue(DEFAULT_MIN_SCORE);
  // Saved and marked reviewed: on to the queue's next photo.
  const [advancing, setAdvancing] = useState(false);
  const [advanceError, setAdvanceError] = useState<ApiError | null>(null);

  const { draft, setDraft } = review;
  const image = review.image.state.data;
  const unsaved = (review.changes?.count ?? 0) + (unlabelled ? 1 : 0);
  // Unsaved edits are never lost silently: leaving the photo, switching screens or closing the tab asks first.
  useEffect(() => {
    if (unsaved === 0) return;
    const what = `${unsaved} unsaved ${unsaved === 1 ? "change" : "changes"} on photo #${imageId}`;
    guardLeaving(() => window.confirm(`You have ${what}. Leave without saving them?`));
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => {
      guardLeaving(null);
      window.removeEventListener("beforeunload", onBeforeUnload);
    };
  }, [unsaved, imageId]);

  // Run after the save's render, so that the leaving guard already knows the edits are stored.
  useEffect(() => {
    if (!advancing) return;
    let live = true;
    queue.nextAfter(imageId).then(
      (next) => {
        if (!live) return;
        setAdvancing(false);
        window.location.hash = next === null ? links.queue : links.review(next);
      },
      (cause: unknown) => {
        if (!live) return;
        setAdvancing(false);
        setAdvanceError(toApiError(cause));
      },
    );
    return () => {
      live = false;
    };
  }, [advancing, imageId]);

  const saveAndNextRef = useRef<() => void>(() => undefined);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      saveAndNextRef.current();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  if (!image) {
    return (
      <section>
        <a href={links.history()}>← All photos</a>
        {review.image.state.status === "error" ? (
          <ErrorNotification
            title={review.image.state.error.status === 404 ? "Photo not found" : `Could not load photo #${imageId}`}
            error={
              review.image.state.error.status === 404
                ? new Error(`No photo #${imageId} is stored on this server; it may have been deleted.`)
                : review.image.state.error
            }
            // Asking again for a photo that is not there gets the same answer.
            onRetry={review.image.state.error.status === 404 ? undefined : review.image.reload}
          />
        ) : (
          <progress className="progress is-small is-primary mt-4" aria-label="Loading the photo" />
        )}
      </section>
    );
  }

  const prediction = image.predictions.find((p) => p.id === predictionId) ?? image.predictions[0] ?? null;
  const modelClasses = models.state.data?.models.find((m) => m.name === prediction?.model.name)?.classes ?? [];
  const size = { width: image.width, height: image.height };
  const step = Math.max(1, Math.round(Math.min(image.width, image.height) / 100));

  const detections = (prediction?.detections ?? []).filter((d) => {
    const judgement = currentJudgement(d, draft);
    return d.score >= minScore || judgement !== null;
  });
  const storedMissed = image.missed_objects.filter((m) => !draft.removed.has(m.id));
  const byKey = new Map<string, StoredDetection>(detections.map((d) => [`d${d.id}`, d]));

  const toneOf = (judgement: Judgement): BoxTone =>
    judgement === null ? "unjudged" : judgement.kind === "correct" ? "correct" : judgement.kind === "fixed" ? "fixed" : "wrong";

  const rows: ReviewRow[] = [
    ...detections.map((d) => {
      const judgement = currentJudgement(d, draft);
      const label = shownLabel(d, judgement);
      return { key: `d${d.id}`, kind: "detection" as const, label, modelLabel: label !== d.label ? d.label : null, score: d.score, tone: toneOf(judgement) };
    }),
    ...storedMissed.map((m) => ({ key: `m${m.id}`, kind: "missed" as const, label: m.label, modelLabel: null, score: null, tone: "missed" as const })),
    ...draft.added.map((m) => ({ key: `n${m.key}`, kind: "missed" as const, label: m.label, modelLabel: null, score: null, tone: "missed" as const })),
  ];
  const boxes: EditableBox[] = [
    ...detections.map((d) => {
      const judgement = currentJudgement(d, draft);
      const mark = judgement === null ? "" : { correct: " ✓", not_an_object: " ✗", fixed: " ✎" }[judgement.kind];
      return { key: `d${d.id}`, box: shownBox(d, judgement), tag: `${shownLabel(d, judgement)} ${formatScore(d.score)}${mark}`, tone: toneOf(judgement) };
    }),
    ...storedMissed.map((m) => ({ key: `m${m.id}`, box: m.box, tag: `${m.label} (missed)`, tone: "missed" as const })),
    ...draft.added.map((m) => ({ key: `n${m.key}`, box: m.box, tag: `${m.label} (missed)`, tone: "missed" as const })),
    ...(unlabelled ? [{ key: "unlabelled", box: unlabelled, tag: "choose a label", tone: "missed" as const }] : []),
  ];

  const judge = (detection: StoredDetection, judgement: Judgement) =>
    setDraft((old: ReviewDraft) => ({ ...old, judgements: new Map(old.judgements).set(detection.id, judgement) }));

  // Stored missed objects are edited by replacing them: removed on save, and added again as drawn.
  const editMissed = (key: string, change: { label?: string; box?: Box }) => {
    if (key.startsWith("n")) {
      const wanted = Number(key.slice(1));
      setDraft((old) => ({ ...old, added: old.added.map((m) => (m.key === wanted ? { ...m, ...change } : m)) }));
      return;
    }
    const stored = image.missed_objects.find((m) => `m${m.id}` === key);
    if (!stored) return;
    const replacement = { key: nextKey, label: change.label ?? stored.label, box: change.box ?? stored.box };
    setNextKey((n) => n + 1);
    setDraft((old) => ({ ...old, removed: new Set(old.removed).add(stored.id), added: [...old.added, replacement] }));
    setSelected(`n${replacement.key}`);
  };

  const changeBox = (key: string, box: Box) => {
    if (key === "unlabelled") return setUnlabelled(box);
    const detection = byKey.get(key);
    if (detection) judge(detection, fixJudgement(detection, currentJudgement(detection, draft), { box }));
    else editMissed(key, { box });
  };

  const changeLabel = (key: string, label: string) => {
    const detection = byKey.get(key);
    if (detection) judge(detection, fixJudgement(detection, currentJudgement(detection, draft), { label }));
    else editMissed(key, { label });
  };

  const setVerdict = (key: string, verdict: "correct" | "not_an_object" | null) => {
    const detection = byKey.get(key);
    if (!detection) return;
    const judgement = currentJudgement(detection, draft);
    const pressed = judgement !== null && (judgement.kind === verdict || (verdict === "correct" && judgement.kind === "fixed"));
    // Pressing the verdict a box already has takes it back, as a toggle button does.
    judge(detection, verdict === null || pressed ? null : { kind: verdict });
  };

  const nudge = (key: string, dx: number, dy: number, resize: boolean) => {
    const box = boxes.find((b) => b.key === key)?.box;
    if (!box) return;
    const moved = resize
      ? { ...box, x2: box.x2 + dx * step, y2: box.y2 + dy * step }
      : { x1: box.x1 + dx * step, y1: box.y1 + dy * step, x2: box.x2 + dx * step, y2: box.y2 + dy * step };
    if (!resize && (moved.x1 < 0 || moved.y1 < 0 || moved.x2 > image.width || moved.y2 > image.height)) return;
    changeBox(key, normaliseBox(moved, image.width, image.height));
  };

  const remove = (key: string) => {
    if (key.startsWith("n")) {
      const wanted = Number(key.slice(1));
      setDraft((old) => ({ ...old, added: old.added.filter((m) => m.key !== wanted) }));
    } else if (key.startsWith("m")) {
      const id = Number(key.slice(1));
      setDraft((old) => ({ ...old, removed: new Set(old.removed).add(id) }));
    }
    setSelected(null);
  };

  const addMissed = (box: Box) => {
    setUnlabelled(box);
    setDrawing(false);
  };

  const nameMissed = (label: string) => {
    if (!unlabelled) return;
    const key = nextKey;
    setNextKey((n) => n + 1);
    setDraft((old) => ({ ...old, added: [...old.added, { key, label, box: unlabelled }] }));
    setUnlabelled(null);
    setSelected(`n${key}`);
  };

  const addMissedInMiddle = () =>
    addMissed(
      normaliseBox(
        { x1: image.width * 0.35, y1: image.height * 0.35, x2: image.width * 0.65, y2: image.height * 0.65 },
        image.width,
        image.height,
      ),
    );

  const pending = review.changes?.count ?? 0;
  // What the save makes ground truth: judged-as-object boxes and drawn ones; an unjudged box never counts.
  const judgedObjects = image.predictions
    .flatMap((p) => p.detections)
    .filter((d) => {
      const judgement = currentJudgement(d, draft);
      return judgement !== null && judgement.kind !== "not_an_object";
    }).length;
  const drawnObjects = storedMissed.length + draft.added.length;
  const unjudgedShown = detections.filter((d) => currentJudgement(d, draft) === null);
  const acceptShown = () =>
    setDraft((old) => {
      const judgements = new Map(old.judgements);
      for (const d of unjudgedShown) judgements.set(d.id, { kind: "correct" });
      return { ...old, judgements };
    });
  const save = (reviewed?: boolean) =>
    void review.save(reviewed, minScore).then((stored) => {
      if (stored) queue.reload();
    });
  const saveAndNext = () => {
    if (review.saving || advancing) return;
    setAdvanceError(null);
    void review.save(true, minScore).then((stored) => {
      if (stored) setAdvancing(true);
    });
  };
  saveAndNextRef.current = saveAndNext;

  return (
    <section aria-labelledby="review-title">
      <a href={links.history()}>← All photos</a>
      <div className="is-flex is-align-items-center is-flex-wrap-wrap mt-2 mb-4" style={{ gap: "0.75rem" }}>
        <h1 className="title is-4 mb-0" id="review-title">
          Photo #{image.id}
        </h1>
        <ReviewStateTag state={image.review_state} />
        <span className="has-text-grey is-size-7">
          kept {formatDate(image.uploaded_at)} · {image.width}×{image.height} px
          {image.reviewed_at ? ` · reviewed ${formatDate(image.reviewed_at)}` : ""}
        </span>
      </div>

      {queue.state.data && <ReviewProgress queue={queue.state.data} imageId={image.id} />}

      {advanceError && (
        <ErrorNotification
          title="Saved, but the next photo to review could not be found"
          error={advanceError}
          onClose={() => setAdvanceError(null)}
          onRetry={() => setAdvancing(true)}
        />
      )}
      {review.image.state.status === "error" && (
        <ErrorNotification title="Could not reload the photo" error={review.image.state.error} onRetry={review.image.reload} />
      )}
      {review.saveError && (
        <ErrorNotification title="Saving the review failed" error={review.saveError} onClose={review.dismissSaveError} />
      )}
      {review.savedAt && pending === 0 && (
        <div className="notification is-success is-light" role="status">
          <button type="button" className="delete" aria-label="Dismiss" onClick={review.dismissSaved} />
          Review saved.
        </div>
      )}

      <div className="columns is-desktop">
        <div className="column is-7-desktop">
          <div className="buttons mb-3">
            <button
              type="button"
              className={`button is-small ${drawing ? "is-link" : ""}`}
              aria-pressed={drawing}
              onClick={() => setDrawing((on) => !on)}
            >
              {drawing ? "Drawing: drag on the photo" : "Draw a missed object"}
            </button>
            <button type="button" className="button is-small" onClick={addMissedInMiddle}>
              Add a box to place
            </button>
            <span className="is-size-7 has-text-grey">
              Pick a box to drag it or its corners. Legend:{" "}
              <span className="tag is-small review-legend tone-unjudged">not judged</span>{" "}
              <span className="tag is-small review-legend tone-correct">correct</span>{" "}
              <span className="tag is-small review-legend tone-fixed">fixed</span>{" "}
              <span className="tag is-small review-legend tone-wrong">not an object</span>{" "}
              <span className="tag is-small review-legend tone-missed">missed</span>
            </span>
          </div>
          <figure className="photo-view">
            <div className="photo-frame">
              <StoredPhoto
                ref={measure}
                fileUrl={image.file_url}
                width={image.width}
                height={image.height}
                alt={`Photo #${image.id}`}
                data-testid="photo"
              />
              {display && (
                <BoxEditor
                  image={size}
                  display={display}
                  boxes={boxes}
                  selected={selected}
                  onSelect={setSelected}
                  onChange={changeBox}
                  drawing={drawing}
                  onDraw={addMissed}
                />
              )}
            </div>
          </figure>
        </div>

        <div className="column is-5-desktop">
          <div className="box">
            {image.predictions.length > 1 && (
              <div className="field">
                <label className="label" htmlFor="prediction-select">
                  Prediction
                </label>
                <div className="select is-fullwidth">
                  <select
                    id="prediction-select"
                    value={prediction?.id ?? ""}
                    onChange={(event) => {
                      setPredictionId(Number(event.target.value));
                      setSelected(null);
                    }}
                  >
                    {image.predictions.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.model.name} · {formatDate(p.created_at)}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
            )}
            {unlabelled && <LabelPicker classes={modelClasses} onPick={nameMissed} onCancel={() => setUnlabelled(null)} />}
            {prediction && (
              <ScoreFilter
                value={minScore}
                min={prediction.parameters.score_threshold}
                onChange={setMinScore}
                shown={prediction.detections.filter((d) => d.score >= minScore).length}
                total={prediction.detections.length}
              />
            )}
            <FeedbackList
              rows={rows}
              classes={modelClasses}
              selected={selected}
              onSelect={setSelected}
              onVerdict={setVerdict}
              onLabel={changeLabel}
              onNudge={nudge}
              onRemove={remove}
            />
            <details className="is-size-7 mb-4">
              <summary>Keyboard</summary>
              Tab to a row, then: <kbd>C</kbd> correct, <kbd>X</kbd> not an object, <kbd>L</kbd> change the label,{" "}
              <kbd>Delete</kbd> take the verdict back or remove a drawn box, arrows move the box (<kbd>Shift</kbd> for
              bigger steps), <kbd>Alt</kbd>+arrows resize it. Anywhere on the screen: <kbd>Ctrl</kbd>+<kbd>Enter</kbd>{" "}
              (<kbd>⌘</kbd>+<kbd>Enter</kbd> on a Mac) saves, marks the photo reviewed and opens the next one in the queue.
            </details>
            <p className="mb-3" data-testid="truth-summary">
              Saving counts <strong>{count(judgedObjects + drawnObjects, "box")}</strong> as this photo’s ground truth:{" "}
              {judgedObjects} judged as objects, {drawnObjects} drawn.{" "}
              {unjudgedShown.length > 0 &&
                `${count(unjudgedShown.length, "box")} shown ${unjudgedShown.length === 1 ? "has" : "have"} no verdict and will not count; boxes below ${formatScore(minScore)} are not shown and never count.`}
            </p>
            {unjudgedShown.length > 0 && (
              <button type="button" className="button is-small is-success is-light mb-3" onClick={acceptShown}>
                Mark the {count(unjudgedShown.length, "unjudged box")} shown correct
              </button>
            )}
            <div className="buttons">
              <button
                type="button"
                className={`button is-link save-and-next ${review.saving || advancing ? "is-loading" : ""}`}
                onClick={saveAndNext}
                disabled={review.saving || advancing}
                aria-keyshortcuts={SAVE_AND_NEXT_KEYS}
                title="Save, mark reviewed and open the next photo in the queue (Ctrl+Enter)"
              >
                Save and next
              </button>
              <button
                type="button"
                className={`button is-primary ${review.saving ? "is-loading" : ""}`}
                onClick={() => save(true)}
                disabled={review.saving}
              >
                {image.review_state === "reviewed" ? "Save" : "Save and mark reviewed"}
              </button>
              {image.review_state === "unreviewed" && (
                <button type="button" className="button" disabled={review.saving || pending === 0} onClick={() => save()}>
                  Save without marking reviewed
                </button>
              )}
              {image.review_state === "reviewed" && (
                <button type="button" className="button is-light" disabled={review.saving} onClick={() => save(false)}>
                  Mark not reviewed
                </button>
              )}
            </div>
            <p className="help" data-testid="pending-changes">
              {pending === 0 ? "No unsaved changes." : `${pending} unsaved ${pending === 1 ? "change" : "changes"}.`} The
              ground truth of reviewed photos is the “reviewed” dataset that models are evaluated on.
            </p>
          </div>
        </div>
      </div>
    </section>
  );
}

function count(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : noun.replace(/box$/, "boxes")}`;
}
