/**
 * What a reviewer says about the boxes of one stored photo, as edits on top of what the server has,
 * and how those edits become the API's feedback request. Pure functions: nothing here calls the API.
 */
import type { Box, DetectionFeedbackIn, Feedback, MissedObject, StoredDetection } from "../api/types";

/** The reviewer's word on one detection; null: no word (yet, or taken back). */
export type Judgement =
  | { kind: "correct" }
  | { kind: "not_an_object" }
  /** An object, but its class (label) or its box (box) needed fixing; null keeps the model's. */
  | { kind: "fixed"; label: string | null; box: Box | null }
  | null;

export interface NewMissed {
  key: number;
  label: string;
  box: Box;
}

export interface ReviewDraft {
  /** Detections the reviewer touched since the last save, by detection id. */
  judgements: ReadonlyMap<number, Judgement>;
  /** Objects the model missed, drawn since the last save. */
  added: readonly NewMissed[];
  /** Stored missed objects to remove on save. */
  removed: ReadonlySet<number>;
}

/** Where the Review page's slider starts: boxes below it are not shown. */
export const DEFAULT_MIN_SCORE = 0.3;

export const EMPTY_DRAFT: ReviewDraft = { judgements: new Map(), added: [], removed: new Set() };

export function judgementOf(feedback: Feedback | null): Judgement {
  if (!feedback) return null;
  if (feedback.verdict === "correct") return { kind: "correct" };
  if (feedback.verdict === "not_an_object") return { kind: "not_an_object" };
  return { kind: "fixed", label: feedback.label, box: feedback.box };
}

/** The judgement on screen: the draft's if the reviewer touched the detection, else the stored one. */
export function currentJudgement(detection: StoredDetection, draft: ReviewDraft): Judgement {
  return draft.judgements.has(detection.id) ? draft.judgements.get(detection.id)! : judgementOf(detection.feedback);
}

export function shownLabel(detection: StoredDetection, judgement: Judgement): string {
  return judgement?.kind === "fixed" && judgement.label ? judgement.label : detection.label;
}

export function shownBox(detection: StoredDetection, judgement: Judgement): Box {
  return judgement?.kind === "fixed" && judgement.box ? judgement.box : detection.box;
}

/** The judgement after the reviewer gives `label` and/or `box` (undefined: unchanged) to the detection. */
export function fixJudgement(
  detection: StoredDetection,
  judgement: Judgement,
  change: { label?: string; box?: Box },
): Judgement {
  const before = judgement?.kind === "fixed" ? judgement : { label: null, box: null };
  const label = change.label === undefined ? before.label : change.label === detection.label ? null : change.label;
  const box = change.box === undefined ? before.box : sameBox(change.box, detection.box) ? null : change.box;
  return label === null && box === null ? { kind: "correct" } : { kind: "fixed", label, box };
}

export function sameBox(a: Box, b: Box): boolean {
  return a.x1 === b.x1 && a.y1 === b.y1 && a.x2 === b.x2 && a.y2 === b.y2;
}

function sameJudgement(a: Judgement, b: Judgement): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  if (a.kind !== "fixed" || b.kind !== "fixed") return true;
  const boxesMatch = a.box === null || b.box === null ? a.box === b.box : sameBox(a.box, b.box);
  return a.label === b.label && boxesMatch;
}

/** The API's feedback item for a judgement; null for "no word". */
export function toFeedbackItem(detectionId: number, judgement: Judgement): DetectionFeedbackIn | null {
  if (judgement === null) return null;
  if (judgement.kind !== "fixed") return { detection_id: detectionId, verdict: judgement.kind };
  const fixes = { ...(judgement.label ? { label: judgement.label } : {}), ...(judgement.box ? { box: judgement.box } : {}) };
  return { detection_id: detectionId, verdict: judgement.label ? "wrong_label" : "wrong_box", ...fixes };
}

export interface PendingChanges {
  /** Judgements to store. */
  feedback: DetectionFeedbackIn[];
  /** Detections whose stored feedback is taken back. */
  cleared: number[];
  added: { label: string; box: Box }[];
  removed: number[];
  count: number;
}

/** What saving `draft` has to send, leaving out edits that only restore what is stored. */
export function pendingChanges(
  detections: readonly StoredDetection[],
  missed: readonly MissedObject[],
  draft: ReviewDraft,
): PendingChanges {
  const feedback: DetectionFeedbackIn[] = [];
  const cleared: number[] = [];
  for (const detection of detections) {
    if (!draft.judgements.has(detection.id)) continue;
    const judgement = draft.judgements.get(detection.id)!;
    const stored = judgementOf(detection.feedback);
    if (sameJudgement(judgement, stored)) continue;
    const item = toFeedbackItem(detection.id, judgement);
    if (item) feedback.push(item);
    else cleared.push(detection.id);
  }
  const removed = missed.filter((m) => draft.removed.has(m.id)).map((m) => m.id);
  const added = draft.added.map(({ label, box }) => ({ label, box }));
  return { feedback, cleared, added, removed, count: feedback.length + cleared.length + added.length + removed.length };
}

/** `box` with its corners in order (x1 < x2, y1 < y2), inside a `width` x `height` photo, in whole-ish pixels. */
export function normaliseBox(box: Box, width: number, height: number): Box {
  const clampX = (v: number) => round2(Math.min(width, Math.max(0, v)));
  const clampY = (v: number) => round2(Math.min(height, Math.max(0, v)));
  return {
    x1: clampX(Math.min(box.x1, box.x2)),
    y1: clampY(Math.min(box.y1, box.y2)),
    x2: clampX(Math.max(box.x1, box.x2)),
    y2: clampY(Math.max(box.y1, box.y2)),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
