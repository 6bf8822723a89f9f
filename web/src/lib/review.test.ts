import { describe, expect, it } from "vitest";
import type { MissedObject, StoredDetection } from "../api/types";
import { EMPTY_DRAFT, fixJudgement, judgementOf, normaliseBox, pendingChanges, toFeedbackItem, type ReviewDraft } from "./review";

const dog: StoredDetection = {
  id: 11,
  label: "dog",
  class_id: 16,
  score: 0.67,
  box: { x1: 131, y1: 194, x2: 344, y2: 537 },
  feedback: null,
};
const bicycle: StoredDetection = {
  id: 12,
  label: "bicycle",
  class_id: 1,
  score: 0.6,
  box: { x1: 110, y1: 114, x2: 573, y2: 472 },
  feedback: { verdict: "correct", label: null, box: null, updated_at: "2026-11-25T12:00:00+00:00" },
};
const plant: MissedObject = { id: 3, label: "potted plant", class_id: 58, box: { x1: 60, y1: 80, x2: 106, y2: 124 } };

function draft(judgements: [number, Parameters<typeof toFeedbackItem>[1]][], extra: Partial<ReviewDraft> = {}): ReviewDraft {
  return { ...EMPTY_DRAFT, judgements: new Map(judgements), ...extra };
}

describe("fixJudgement", () => {
  it("records a new label as a fix and a label set back to the model's as no fix", () => {
    const relabelled = fixJudgement(dog, null, { label: "cat" });
    expect(relabelled).toEqual({ kind: "fixed", label: "cat", box: null });
    expect(fixJudgement(dog, relabelled, { label: "dog" })).toEqual({ kind: "correct" });
  });

  it("keeps a fixed label when the box is fixed too", () => {
    const box = { x1: 120, y1: 190, x2: 350, y2: 540 };
    expect(fixJudgement(dog, { kind: "fixed", label: "cat", box: null }, { box })).toEqual({ kind: "fixed", label: "cat", box });
  });
});

describe("toFeedbackItem", () => {
  const box = { x1: 1, y1: 2, x2: 3, y2: 4 };
  it.each([
    [{ kind: "correct" } as const, { detection_id: 11, verdict: "correct" }],
    [{ kind: "not_an_object" } as const, { detection_id: 11, verdict: "not_an_object" }],
    [{ kind: "fixed", label: "cat", box: null } as const, { detection_id: 11, verdict: "wrong_label", label: "cat" }],
    [{ kind: "fixed", label: null, box } as const, { detection_id: 11, verdict: "wrong_box", box }],
    [{ kind: "fixed", label: "cat", box } as const, { detection_id: 11, verdict: "wrong_label", label: "cat", box }],
  ])("turns %o into the API's verdict", (judgement, expected) => {
    expect(toFeedbackItem(11, judgement)).toEqual(expected);
  });
});

describe("pendingChanges", () => {
  it("sends only what differs from what is stored, and takes back cleared verdicts", () => {
    const changes = pendingChanges(
      [dog, bicycle],
      [plant],
      draft(
        [
          [11, { kind: "not_an_object" }],
          [12, null],
        ],
        { added: [{ key: 1, label: "cat", box: { x1: 0, y1: 0, x2: 10, y2: 10 } }], removed: new Set([3]) },
      ),
    );
    expect(changes).toEqual({
      feedback: [{ detection_id: 11, verdict: "not_an_object" }],
      cleared: [12],
      added: [{ label: "cat", box: { x1: 0, y1: 0, x2: 10, y2: 10 } }],
      removed: [3],
      count: 4,
    });
  });

  it("has nothing to send when the edits restore what is stored", () => {
    expect(pendingChanges([dog, bicycle], [plant], draft([[11, null], [12, { kind: "correct" }]])).count).toBe(0);
    expect(judgementOf(bicycle.feedback)).toEqual({ kind: "correct" });
  });
});

describe("normaliseBox", () => {
  it("puts the corners in order and keeps the box inside the photo", () => {
    expect(normaliseBox({ x1: 300, y1: -5, x2: 100.123, y2: 700 }, 640, 480)).toEqual({ x1: 100.12, y1: 0, x2: 300, y2: 480 });
  });
});
