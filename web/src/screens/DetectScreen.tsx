import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { isApiKeyRefused, isRetryable, type DetectParams } from "../api/client";
import { ErrorNotification } from "../components/common/ErrorNotification";
import { ScoreFilter } from "../components/common/ScoreFilter";
import { BatchResults } from "../components/detect/BatchResults";
import { ClassFilter } from "../components/detect/ClassFilter";
import { DetectionList } from "../components/detect/DetectionList";
import { DetectionOptions, type DetectionChoices } from "../components/detect/DetectionOptions";
import { DownloadButtons } from "../components/detect/DownloadButtons";
import { ExamplePhotos } from "../components/detect/ExamplePhotos";
import { InferenceTime } from "../components/detect/InferenceTime";
import { KeepForReviewSwitch } from "../components/detect/KeepForReviewSwitch";
import { ModelSelect } from "../components/detect/ModelSelect";
import { OverlapSetting } from "../components/detect/OverlapSetting";
import { PhotoView } from "../components/detect/PhotoView";
import { UploadPanel } from "../components/detect/UploadPanel";
import { WebcamDetection } from "../components/detect/WebcamDetection";
import { useBatchDetect } from "../hooks/useBatchDetect";
import { useDetect } from "../hooks/useDetect";
import { useModels } from "../hooks/useModels";
import { useShownDetections } from "../hooks/useShownDetections";
import { SLOW_ANSWER_MS, useTakingLong } from "../hooks/useTakingLong";
import { renderAnnotatedPng } from "../lib/annotate";
import { baseName, saveBlob } from "../lib/download";
import { countClasses } from "../lib/filter";
import { loadPhoto, type Photo } from "../lib/photoFile";

/** The API is asked once for everything above this score; the slider then filters in the page. */
export const SCORE_FLOOR = 0.05;
export const DEFAULT_MIN_SCORE = 0.3;
/** The server's own default (detection/options.py). */
export const DEFAULT_IOU = 0.5;
/** A moving slider asks the server once it rests this long, not at every step. */
const IOU_SETTLE_MS = 400;
const MAX_DETECTIONS = 300;

/** Upload a photo, see what the detector finds in it, filter, and save the result. */
export function DetectScreen({ active = true }: { active?: boolean }) {
  const models = useModels();
  const detection = useDetect();
  const batch = useBatchDetect();
  // The single view was opened from the grid: it offers the way back.
  const [openedFromBatch, setOpenedFromBatch] = useState(false);
  const [camera, setCamera] = useState(false);
  const [chosenModel, setChosenModel] = useState<string | null>(null);
  const [photo, setPhoto] = useState<Photo | null>(null);
  const [photoProblem, setPhotoProblem] = useState<string | null>(null);
  const [minScore, setMinScore] = useState(DEFAULT_MIN_SCORE);
  const [iou, setIou] = useState(DEFAULT_IOU);
  const [hiddenClasses, setHiddenClasses] = useState<ReadonlySet<string>>(new Set());
  const [keepForReview, setKeepForReview] = useState(false);
  const [choices, setChoices] = useState<DetectionChoices>({ agnosticNms: false, ttaFlip: false });
  const [highlighted, setHighlighted] = useState<number | null>(null);
  // Leaving a detection clears the highlight only if it is still that one's: a list that scrolls
  // under the pointer must not undo the row the keyboard has just focused.
  const highlight = useCallback(
    (index: number, on: boolean) => setHighlighted((current) => (on ? index : current === index ? null : current)),
    [],
  );
  const [downloadProblem, setDownloadProblem] = useState<Error | null>(null);
  const [pngBusy, setPngBusy] = useState(false);
  const latestChoice = useRef(0);
  // Set when a photo is chosen, so the keyboard focus follows it to the results.
  const [focusResults, setFocusResults] = useState(false);
  const resultsHeading = useRef<HTMLHeadingElement>(null);

  const modelList = models.state.status === "done" ? models.state.data : null;
  const model = chosenModel ?? modelList?.defaultModel ?? null;
  const modelInfo = modelList?.models.find((m) => m.name === model);

  // The object URL is the photo's only copy outside the file; it goes when the photo does.
  useEffect(() => (photo ? () => URL.revokeObjectURL(photo.url) : undefined), [photo]);

  const paramsFor = (name: string | null, store: boolean, chosen: DetectionChoices = choices): DetectParams => ({
    model: name ?? undefined,
    scoreThreshold: SCORE_FLOOR,
    iouThreshold: iou,
    maxDetections: MAX_DETECTIONS,
    ...chosen,
    store,
  });

  const showPhoto = (file: File, then: (loaded: Photo) => void) => {
    const choice = ++latestChoice.current;
    setPhotoProblem(null);
    loadPhoto(file).then(
      (loaded) => {
        if (choice !== latestChoice.current) {
          URL.revokeObjectURL(loaded.url);
          return;
        }
        setPhoto(loaded);
        setHiddenClasses(new Set());
        setHighlighted(null);
        setDownloadProblem(null);
        setFocusResults(true);
        then(loaded);
      },
      (problem: Error) => {
        if (choice === latestChoice.current) setPhotoProblem(problem.message);
      },
    );
  };

  const choosePhoto = (file: File) => {
    setCamera(false);
    batch.reset();
    setOpenedFromBatch(false);
    showPhoto(file, (loaded) => void detection.run(loaded.file, paramsFor(model, keepForReview)));
  };

  const choosePhotos = (files: File[]) => {
    setCamera(false);
    latestChoice.current++;
    detection.reset();
    setPhoto(null);
    setPhotoProblem(null);
    setOpenedFromBatch(false);
    // With "Keep for review" on, the batch endpoint keeps each photo, as a single upload would.
    batch.run(files, paramsFor(model, keepForReview));
  };

  const openFromBatch = (position: number) => {
    const sent = batch.state?.photos[position];
    if (!sent || sent.outcome?.status !== "done" || !batch.state) return;
    const { result } = sent.outcome;
    const params = batch.state.params;
    const roundTripMs = sent.roundTripMs ?? result.timing_ms.total;
    setOpenedFromBatch(true);
    showPhoto(sent.file, () => detection.show(result, params, roundTripMs));
  };

  const backToBatch = () => {
    latestChoice.current++;
    detection.reset();
    setPhoto(null);
    setOpenedFromBatch(false);
  };

  const chooseModel = (name: string) => {
    setChosenModel(name);
    if (photo) void detection.run(photo.file, paramsFor(name, keepForReview));
  };

  const changeChoices = (chosen: DetectionChoices) => {
    setChoices(chosen);
    if (photo) void detection.run(photo.file, paramsFor(model, keepForReview, chosen));
  };

  const changeKeepForReview = (keep: boolean) => {
    setKeepForReview(keep);
    // Switching it on asks to keep the photo on screen too, which needs a request that stores it.
    const state = detection.state;
    if (keep && photo && state.status !== "idle" && !state.params.store) {
      void detection.run(photo.file, paramsFor(model, true));
    }
  };

  const state = detection.state;
  const result = state.status === "done" ? state.result : null;
  const lastParams = state.status === "idle" ? null : state.params;
  const runDetection = detection.run;
  // The overlap is applied by the server: once the slider rests, ask again with the last request's other settings.
  useEffect(() => {
    if (!photo || !lastParams || lastParams.iouThreshold === iou) return;
    const timer = setTimeout(() => void runDetection(photo.file, { ...lastParams, iouThreshold: iou }), IOU_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [iou, lastParams, photo, runDetection]);
  const slow = useTakingLong(state.status === "loading" ? state : null, SLOW_ANSWER_MS);
  useEffect(() => {
    if (!focusResults || state.status === "loading") return;
    if (state.status === "done") resultsHeading.current?.focus();
    setFocusResults(false);
  }, [focusResults, state.status]);
  const { all, shown: visible, colors } = useShownDetections(result, minScore, hiddenClasses);
  const classes = useMemo(() => countClasses(all, minScore), [all, minScore]);
  const reachingScore = all.filter((d) => d.score >= minScore).length;

  const downloadPng = async () => {
    if (!photo || !result) return;
    setPngBusy(true);
    setDownloadProblem(null);
    try {
      const blob = await renderAnnotatedPng(photo.url, result.image, visible, colors);
      saveBlob(blob, `${baseName(photo.file.name)}-detections.png`);
    } catch (problem) {
      setDownloadProblem(problem instanceof Error ? problem : new Error(String(problem)));
    } finally {
      setPngBusy(false);
    }
  };

  const downloadJson = () => {
    if (!photo || !result) return;
    const body = {
      ...result,
      photo: photo.file.name,
      filters: { min_score: minScore, hidden_classes: [...hiddenClasses] },
      detections: visible.map(({ label, class_id, score, box }) => ({ label, class_id, score, box })),
    };
    const blob = new Blob([JSON.stringify(body, null, 2)], { type: "application/json" });
    saveBlob(blob, `${baseName(photo.file.name)}-detections.json`);
  };

  return (
    <div className="columns is-desktop">
      <div className="column is-8-desktop">
        {photoProblem && (
          <ErrorNotification
            tone="warning"
            title="That file cannot be used"
            error={new Error(photoProblem)}
            onClose={() => setPhotoProblem(null)}
          />
        )}
        {state.status === "error" && (
          <ErrorNotification
            title="Detection failed"
            error={state.error}
            onClose={detection.reset}
            onRetry={
              photo && (isRetryable(state.error) || isApiKeyRefused(state.error))
                ? () => void detection.run(photo.file, state.params)
                : undefined
            }
          />
        )}
        {downloadProblem && (
          <ErrorNotification title="Download failed" error={downloadProblem} onClose={() => setDownloadProblem(null)} />
        )}
        {openedFromBatch && photo && batch.state && (
          <button type="button" className="button is-small is-light mb-3" onClick={backToBatch}>
            ← All {batch.state.photos.length} photos
          </button>
        )}
        <UploadPanel
          onFile={choosePhoto}
          onFiles={choosePhotos}
          onReject={setPhotoProblem}
          modelInput={modelInfo?.input_size}
          takesPaste={active}
          extra={
            <>
              <ExamplePhotos onFile={choosePhoto} onProblem={setPhotoProblem} />
              <button type="button" className="button is-small mt-3" onClick={() => setCamera(true)}>
                Use the camera
              </button>
            </>
          }
          // Looking at a result, the camera is one click away too; Stop comes back to the result.
          actions={
            !camera && (
              <button type="button" className="button is-small ml-2" onClick={() => setCamera(true)}>
                Use the camera
              </button>
            )
          }
        >
          {camera ? (
            <WebcamDetection
              params={paramsFor(model, false)}
              minScore={minScore}
              onStop={() => {
                setCamera(false);
                // Back to the photo's result, if there is one, with the focus on its heading.
                setFocusResults(true);
              }}
            />
          ) : photo ? (
            <PhotoView
              photo={photo}
              result={result}
              detections={visible}
              colors={colors}
              busy={state.status === "loading"}
              busyLabel={`Detecting objects with ${model ?? "the default model"}…`}
              slow={slow}
              onRetry={() => state.status === "loading" && void detection.run(photo.file, state.params)}
              onCancel={detection.reset}
              takeFocus={focusResults}
              highlighted={highlighted}
              onHighlight={highlight}
            />
          ) : batch.state ? (
            <BatchResults photos={batch.state.photos} minScore={minScore} onOpen={openFromBatch} />
          ) : null}
        </UploadPanel>
        {photo && state.status === "idle" && (
          <div className="notification is-info is-light">
            Detection stopped.{" "}
            <button
              type="button"
              className="button is-small is-info ml-2"
              onClick={() => void detection.run(photo.file, paramsFor(model, keepForReview))}
            >
              Detect objects
            </button>
          </div>
        )}
      </div>

      <div className="column is-4-desktop">
        {/* One form for the API key is enough: saving it in the detection's notification reloads the models too. */}
        {models.state.status === "error" && !(isApiKeyRefused(models.state.error) && state.status === "error" && isApiKeyRefused(state.error)) && (
          <ErrorNotification
            title="Could not load the list of models"
            error={models.state.error}
            onRetry={models.retry}
          />
        )}
        <div className="box">
          <ModelSelect
            models={modelList?.models ?? null}
            value={model}
            defaultModel={modelList?.defaultModel ?? null}
            onChange={chooseModel}
            loading={models.state.status === "loading"}
          />
          <ScoreFilter
            value={minScore}
            min={SCORE_FLOOR}
            onChange={setMinScore}
            shown={reachingScore}
            total={all.length}
          />
          <OverlapSetting value={iou} onChange={setIou} />
          <ClassFilter classes={classes} hidden={hiddenClasses} colors={colors} onChange={setHiddenClasses} />
          <DetectionOptions value={choices} onChange={changeChoices} />
          <KeepForReviewSwitch checked={keepForReview} onChange={changeKeepForReview}
            storedImageId={result?.stored?.image_id ?? null}
          />
        </div>

        {/* While the camera runs, its boxes are on show, not the photo's. */}
        {result && state.status === "done" && !camera && (
          <div className="box">
            <div className="is-flex is-justify-content-space-between is-align-items-center is-flex-wrap-wrap mb-3">
              <h2 className="title is-5 mb-2" ref={resultsHeading} tabIndex={-1}>
                Detections <span className="tag is-rounded is-primary" data-testid="shown-count">{visible.length}</span>
              </h2>
              {/* Above the list, so that they are in sight at once on a desktop screen. */}
              <DownloadButtons onPng={() => void downloadPng()} onJson={downloadJson} busy={pngBusy} />
            </div>
            <DetectionList
              detections={visible}
              total={all.length}
              colors={colors}
              highlighted={highlighted}
              onHighlight={highlight}
            />
            <InferenceTime result={result} roundTripMs={state.roundTripMs} />
          </div>
        )}
      </div>
    </div>
  );
}
