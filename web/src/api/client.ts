/**
 * Every HTTP call the page makes to the Sightline API (the shapes they carry are in `types.ts`).
 * Failures of any kind come out as one `ApiError` carrying the server's message when there is one.
 */
import { getApiKey } from "../lib/apiKey";
import type {
  DatasetImport,
  DatasetPage,
  DetectBatchResult,
  DetectResult,
  ErrorBody,
  Evaluation,
  EvaluationPage,
  ImageFeedbackIn,
  ImagePage,
  ModelInfo,
  ModelPage,
  PromoteIn,
  PromoteOut,
  ReviewQueuePage,
  Stats,
  StoredImage,
} from "./types";

export interface DetectParams {
  model?: string;
  scoreThreshold?: number;
  iouThreshold?: number;
  classes?: string[];
  maxDetections?: number;
  /** Suppress overlapping boxes across classes: one label per object. */
  agnosticNms?: boolean;
  /** Also run the photo mirrored left to right and fuse both passes (about twice the time). */
  ttaFlip?: boolean;
  /** Ask the server to keep the photo and its prediction for review. */
  store?: boolean;
}

export class ApiError extends Error {
  readonly status: number | null;
  readonly code: string;
  readonly requestId: string | null;

  constructor(message: string, options: { status?: number | null; code: string; requestId?: string | null }) {
    super(message);
    this.name = "ApiError";
    this.status = options.status ?? null;
    this.code = options.code;
    this.requestId = options.requestId ?? null;
  }
}

/**
 * Any failure as an ApiError, for the page to show: the client's own pass as they are; anything else
 * thrown on the way (the browser refusing to read a file, a bug) keeps its message.
 */
export function toApiError(cause: unknown): ApiError {
  if (cause instanceof ApiError) return cause;
  return new ApiError(cause instanceof Error ? cause.message : String(cause), { code: "client_error" });
}

/** Whether sending the same request again may succeed: the network, a timeout, an overloaded or failing server. */
export function isRetryable(error: ApiError): boolean {
  return error.status === null || error.status >= 500 || error.status === 408 || error.status === 429;
}

export const API_BASE = "/api/v1";
export const API_KEY_HEADER = "X-API-Key";
/** Long enough for a cold model load on a slow CPU, short enough that the page never waits forever. */
export const REQUEST_TIMEOUT_MS = 120_000;

/** A refusal for want of the right API key: the server needs one and got none, or not one it knows. */
export function isApiKeyRefused(error: ApiError): boolean {
  return error.status === 401;
}

/**
 * fetch with the user's API key and a time limit, and every failure turned into an ApiError; a caller's
 * own abort stays an AbortError. `read` takes the body of a successful answer, within the time limit.
 */
async function send<T>(
  url: string,
  init: RequestInit,
  read: (response: Response) => Promise<T>,
  timeoutMs: number,
): Promise<{ status: number; body: T }> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const callerSignal = init.signal;
  const forwardAbort = () => controller.abort();
  if (callerSignal?.aborted) controller.abort();
  callerSignal?.addEventListener("abort", forwardAbort);

  const headers = new Headers(init.headers);
  const apiKey = getApiKey();
  if (apiKey) headers.set(API_KEY_HEADER, apiKey);

  let response: Response;
  let body: T | undefined;
  let errorText = "";
  try {
    response = await fetch(url, { ...init, headers, signal: controller.signal });
    // A failure's body is the API's JSON error, whatever a success would have carried.
    if (response.ok) body = await read(response);
    else errorText = await response.text();
  } catch (cause) {
    if (timedOut) {
      throw new ApiError(`The server did not answer within ${Math.round(timeoutMs / 1000)} s. Try again.`, {
        code: "timeout",
      });
    }
    if (callerSignal?.aborted) throw cause;
    throw new ApiError("Could not reach the Sightline server. Check that it is running, then try again.", {
      code: "network_error",
    });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", forwardAbort);
  }

  if (!response.ok) {
    let error: ErrorBody["error"] | undefined;
    try {
      error = (JSON.parse(errorText) as ErrorBody).error;
    } catch {
      // A proxy's HTML error page or a truncated answer; reported below without the body.
    }
    const message =
      error?.message ?? `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`;
    throw new ApiError(message, {
      status: response.status,
      code: error?.code ?? `http_${response.status}`,
      requestId: error?.request_id ?? response.headers.get("X-Request-ID"),
    });
  }
  return { status: response.status, body: body as T };
}

/** A request to the API that answers JSON. */
async function request<T>(path: string, init: RequestInit = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
  const { status, body: text } = await send(API_BASE + path, init, (response) => response.text(), timeoutMs);
  if (status === 204) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError("The server's answer was not valid JSON.", { status, code: "bad_response" });
  }
}

function detectQuery(params: DetectParams): string {
  const query = new URLSearchParams();
  const fields: [string, string | undefined][] = [
    ["model", params.model],
    ["score_threshold", params.scoreThreshold?.toString()],
    ["iou_threshold", params.iouThreshold?.toString()],
    ["classes", params.classes?.length ? params.classes.join(",") : undefined],
    ["max_detections", params.maxDetections?.toString()],
    ["agnostic_nms", params.agnosticNms ? "true" : undefined],
    ["tta_flip", params.ttaFlip ? "true" : undefined],
    ["store", params.store ? "true" : undefined],
  ];
  for (const [name, value] of fields) {
    if (value !== undefined) query.set(name, value);
  }
  return query.size > 0 ? `?${query}` : "";
}

/** Run the detector on one photo: the photo as multipart field `image`, the parameters in the query string. */
export function detect(image: Blob, params: DetectParams = {}, signal?: AbortSignal): Promise<DetectResult> {
  const form = new FormData();
  form.append("image", image, image instanceof File ? image.name : "photo");
  return request<DetectResult>(`/detect${detectQuery(params)}`, { method: "POST", body: form, signal });
}

/**
 * Run the detector on several photos in one request (one `image` field each, at most the server's
 * SIGHTLINE_MAX_BATCH_IMAGES): their results in the same order. With `store`, each photo is kept.
 */
export async function detectBatch(images: File[], params: DetectParams = {}, signal?: AbortSignal): Promise<DetectResult[]> {
  const form = new FormData();
  for (const image of images) form.append("image", image, image.name);
  const answer = await request<DetectBatchResult>(`/detect/batch${detectQuery(params)}`, { method: "POST", body: form, signal });
  return answer.results;
}

export interface ModelList {
  models: ModelInfo[];
  /** Name of the model the server uses when none is named. */
  defaultModel: string | null;
}

/** The models the server can run, and which one is its default. */
export async function listModels(signal?: AbortSignal): Promise<ModelList> {
  const page = await request<ModelPage>("/models", { signal });
  const defaultModel = page.items.find((model) => model.default)?.name ?? page.items[0]?.name ?? null;
  return { models: page.items, defaultModel };
}

function sendJson(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
}

function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(name, String(value));
  }
  return query.size > 0 ? `?${query}` : "";
}

// Stored photos, predictions and feedback ---------------------------------------------------------

/** "uploads": photos sent to the API (they have a prediction); "datasets": photos in an imported dataset. */
export type ImageSource = "uploads" | "datasets";

export interface ImageQuery {
  page?: number;
  perPage?: number;
  reviewed?: boolean;
  label?: string;
  model?: string;
  /** Every stored photo when absent. */
  source?: ImageSource;
  /** The photos of one imported dataset, by name. */
  dataset?: string;
  /** Each photo's `box_count` counts its newest prediction's boxes scoring at least this. */
  minScore?: number;
}

/** Stored photos, newest first, one page at a time. */
export function listImages(query: ImageQuery = {}, signal?: AbortSignal): Promise<ImagePage> {
  const search = queryString({
    page: query.page,
    per_page: query.perPage,
    reviewed: query.reviewed,
    label: query.label,
    model: query.model,
    source: query.source,
    dataset: query.dataset,
    min_score: query.minScore,
  });
  return request(`/images${search}`, { signal });
}

/** Delete a stored photo with its file, predictions and reviews; needs the admin key. */
export function deleteImage(imageId: number, adminKey: string): Promise<unknown> {
  return request(`/images/${imageId}`, { method: "DELETE", headers: { [ADMIN_KEY_HEADER]: adminKey } });
}

export function getImage(imageId: number, signal?: AbortSignal): Promise<StoredImage> {
  return request(`/images/${imageId}`, { signal });
}

/** A page of the review queue; `scoreThreshold`: the lowest score the reviewer is shown, which ranks the boxes. */
export function getReviewQueue(
  query: { page?: number; perPage?: number; scoreThreshold?: number } = {},
  signal?: AbortSignal,
): Promise<ReviewQueuePage> {
  const search = queryString({ page: query.page, per_page: query.perPage, score_threshold: query.scoreThreshold });
  return request(`/review-queue${search}`, { signal });
}

/** A stored photo's bytes from its `file_url`: fetched here rather than by an <img>, which cannot send the API key. */
export async function getImageFile(fileUrl: string, signal?: AbortSignal): Promise<Blob> {
  const { body } = await send(fileUrl, { signal }, (response) => response.blob(), REQUEST_TIMEOUT_MS);
  return body;
}

/** Feedback on several detections and the missed objects of one photo, stored all or nothing. */
export function submitFeedback(imageId: number, feedback: ImageFeedbackIn): Promise<StoredImage> {
  return request(`/images/${imageId}/feedback`, sendJson("POST", feedback));
}

export function clearFeedback(detectionId: number): Promise<void> {
  return request(`/detections/${detectionId}/feedback`, { method: "DELETE" });
}

export function deleteMissedObject(missedId: number): Promise<void> {
  return request(`/missed/${missedId}`, { method: "DELETE" });
}

// Evaluations ------------------------------------------------------------------------------------

/** The first dataset `listDatasets` gives: the reviewed photos, which is no imported dataset. */
export const REVIEWED_DATASET = "reviewed";

export function listDatasets(signal?: AbortSignal): Promise<DatasetPage> {
  return request("/datasets", { signal });
}

/** The dataset file formats the server reads and writes. */
export type DatasetFormat = DatasetImport["format"];
export const DATASET_FORMATS: readonly DatasetFormat[] = ["coco", "yolo", "voc"];

/** Importing a zip can take a while: every photo in it is decoded and checked before anything is stored. */
const DATASET_TIMEOUT_MS = 600_000;

/** Store a dataset sent as a zip archive; `format` is detected from its files when absent. */
export function importDataset(archive: File, name: string, format?: DatasetFormat): Promise<DatasetImport> {
  const form = new FormData();
  form.append("archive", archive, archive.name);
  const search = queryString({ name, format });
  return request(`/datasets${search}`, { method: "POST", body: form }, DATASET_TIMEOUT_MS);
}

/** A dataset ("reviewed": the reviewed photos' ground truth) as a zip archive in `format`, with its file name. */
export async function exportDataset(name: string, format: DatasetFormat): Promise<{ archive: Blob; fileName: string }> {
  const url = `${API_BASE}/datasets/${encodeURIComponent(name)}/archive?format=${format}`;
  let fileName = `${name}-${format}.zip`;
  const { body } = await send(
    url,
    {},
    (response) => {
      fileName = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? fileName;
      return response.blob();
    },
    DATASET_TIMEOUT_MS,
  );
  return { archive: body, fileName };
}

export function listEvaluations(signal?: AbortSignal): Promise<EvaluationPage> {
  return request("/evaluations", { signal });
}

export function getEvaluation(evaluationId: number, signal?: AbortSignal): Promise<Evaluation> {
  return request(`/evaluations/${evaluationId}`, { signal });
}

export function startEvaluation(models: string[], dataset: string): Promise<Evaluation> {
  return request("/evaluations", sendJson("POST", { models, dataset }));
}

export const ADMIN_KEY_HEADER = "X-Admin-Key";

/**
 * Make `model` the server's default, on the strength of an evaluation; needs the admin key. With
 * `useOperatingPoint`, its operating point there also becomes its score threshold for requests giving none.
 */
export function promoteModel(
  evaluationId: number,
  model: string,
  adminKey: string,
  useOperatingPoint = false,
): Promise<PromoteOut> {
  const body: PromoteIn = useOperatingPoint ? { model, use_operating_point: true } : { model };
  return request(`/evaluations/${evaluationId}/promote`, sendJson("POST", body, { [ADMIN_KEY_HEADER]: adminKey }));
}

/** The `file_url` of a stored photo, as image records give it. */
export function imageFileUrl(imageId: number): string {
  return `${API_BASE}/images/${imageId}/file`;
}

// Stats ------------------------------------------------------------------------------------------

export function getStats(signal?: AbortSignal): Promise<Stats> {
  return request("/stats", { signal });
}
