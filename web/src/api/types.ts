/** The shapes of what the Sightline API sends and accepts, as the page uses them. */

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Detection {
  label: string;
  class_id: number;
  score: number;
  /** xyxy in the original photo's pixels, after its EXIF orientation. */
  box: Box;
}

export interface DetectResult {
  id: string | number | null;
  model: { name: string; version: string };
  image: { width: number; height: number };
  detections: Detection[];
  timing_ms: { decode: number; inference: number; total: number };
  /** Present when the server kept the photo and this prediction (`store=true`). */
  stored?: { image_id: number; prediction_id: number };
}

export interface ModelInfo {
  name: string;
  version?: string;
  description?: string;
  classes: string[];
  /** [width, height] the model sees; null when it takes any size. */
  input_size: [number, number] | null;
  license?: string;
  loaded?: boolean;
  default?: boolean;
  /** An ensemble's member models; empty or absent for a single model. */
  members?: string[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page?: number;
  per_page?: number;
}

export type Verdict = "correct" | "wrong_label" | "not_an_object" | "wrong_box";

export type ReviewState = "unreviewed" | "reviewed";

export interface Feedback {
  verdict: Verdict;
  /** The right class, for wrong_label (and optionally wrong_box). */
  label: string | null;
  /** The fixed box, for wrong_box (and optionally wrong_label). */
  box: Box | null;
  updated_at: string;
}

export interface StoredDetection extends Detection {
  id: number;
  feedback: Feedback | null;
}

export interface Prediction {
  id: number;
  model: { name: string; version: string };
  parameters: { score_threshold: number; iou_threshold: number; classes: number[] | null; max_detections: number };
  duration_ms: number;
  created_at: string;
  detections: StoredDetection[];
}

export interface MissedObject {
  id: number;
  label: string;
  class_id: number;
  box: Box;
}

export interface StoredImageSummary {
  id: number;
  sha256: string;
  width: number;
  height: number;
  format: string;
  byte_size: number;
  uploaded_at: string;
  review_state: ReviewState;
  reviewed_at: string | null;
  /** The lowest score the reviewer was shown when the review was saved; null when not told. */
  review_score_threshold: number | null;
  /** The photo's bytes, as uploaded. */
  file_url: string;
  /** Models that have a prediction on it. */
  models: string[];
}

export interface StoredImage extends Omit<StoredImageSummary, "models"> {
  predictions: Prediction[];
  missed_objects: MissedObject[];
}

/** Why a photo stands where it does in the review queue. */
export interface QueueReason {
  code: "unreviewed" | "near_threshold" | "models_disagree";
  /** The reason, for people. */
  message: string;
  /** near_threshold, models_disagree: how many unjudged boxes. */
  boxes?: number;
  /** models_disagree: the models that disagree. */
  models?: string[];
}

export interface ReviewQueueItem {
  image: StoredImageSummary;
  reasons: QueueReason[];
  doubtful_boxes: number;
}

/** Kept photos in review order: nobody reviewed first, then the most doubtful boxes, then the oldest. */
export interface ReviewQueuePage extends Page<ReviewQueueItem> {
  /** Of the `total` kept photos, how many are reviewed. */
  reviewed: number;
  score_threshold: number;
  margin: number;
}

export interface DetectionFeedbackIn {
  detection_id: number;
  verdict: Verdict;
  label?: string;
  box?: Box;
}

export interface ImageFeedbackIn {
  detections: DetectionFeedbackIn[];
  missed: { label: string; box: Box }[];
  /** Also mark the photo reviewed (true) or not (false); left as it is when absent. */
  reviewed?: boolean;
  /** The lowest score the reviewer is shown (the slider), kept with the review. */
  score_threshold?: number;
}

export type EvaluationStatus = "queued" | "running" | "done" | "failed";

export interface EvaluationResult {
  model: string;
  model_version: string;
  images: number;
  /** Model time per photo on the server during the evaluation, mean and median, ms. */
  latency_ms: number;
  latency_p50_ms?: number | null;
  /** Memory the model adds to a serving process once loaded, MB; null when it could not be measured. */
  memory_mb?: number | null;
  /** COCO summary numbers in 0..1 (map, map_50, map_75, ...); null where there was nothing to measure. */
  metrics: Record<string, number | null>;
  per_class: Record<string, number | null>;
  /** The score threshold with the best F1; null when the model found nothing. Absent in older evaluations. */
  operating_point?: OperatingPoint | null;
  /** Only when one evaluation is fetched, not in the list. */
  curves?: PrCurves | null;
  photo_errors?: PhotoErrors[] | null;
  /** Where the truth boxes came from, seen from this model; null for evaluations stored before it was counted. */
  provenance?: TruthProvenance | null;
}

export interface OperatingPoint {
  score_threshold: number;
  precision: number;
  recall: number | null;
  f1: number;
  true_positives: number;
  false_positives: number;
  missed: number;
}

/** COCOeval's interpolated precision at its 101 recall thresholds, at IoU `iou` (0.5). */
export interface PrCurves {
  iou: number;
  recall: number[];
  /** Averaged over the classes with ground truth: its mean is the mAP@50. */
  precision: number[] | null;
  per_class: Record<string, number[]>;
}

export interface ErrorBox {
  label: string;
  /** False positives only. */
  score?: number;
  /** [x1, y1, x2, y2] in the photo's pixels. */
  box: [number, number, number, number];
}

/** One photo's mistakes at the model's operating point. */
export interface PhotoErrors {
  image_id: number;
  file_name: string;
  width: number;
  height: number;
  false_positives: ErrorBox[];
  missed: ErrorBox[];
}

export interface TruthProvenance {
  /** This model's own detections that reviewers confirmed. */
  own_predictions: number;
  other_models: number;
  drawn: number;
  imported: number;
  total: number;
}

export interface Evaluation {
  id: number;
  dataset: string;
  models: string[];
  status: EvaluationStatus;
  progress: { done: number; total: number };
  error: string | null;
  created_at: string;
  finished_at: string | null;
  results: EvaluationResult[];
  /** One row per metric: each model's value and the best model. */
  comparison: { metric: string; values: Record<string, number | null>; best: string | null }[];
  /** Set when the truth favours one model's own predictions; it names the fair reference. */
  provenance_warning?: string | null;
  recommended_model: string | null;
}

export interface Dataset {
  name: string;
  images: number;
}

export interface FeedbackShare {
  model: string;
  label?: string;
  day?: string;
  /** Detections users gave a verdict on. */
  judged: number;
  correct: number;
  share_correct: number | null;
}

export interface Stats {
  images: number;
  reviewed_images: number;
  /** Judged and drawn boxes on reviewed photos, by the model whose detection was confirmed, or "drawn". */
  ground_truth: { boxes: number; by_source: Record<string, number> };
  feedback: { by_model: FeedbackShare[]; by_class: FeedbackShare[]; by_day: FeedbackShare[] };
}
