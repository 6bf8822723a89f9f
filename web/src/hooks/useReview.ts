/** One stored photo under review: its record from the API, the reviewer's unsaved edits, and saving them. */
import { useState } from "react";
import { clearFeedback, deleteMissedObject, submitFeedback, toApiError, type ApiError } from "../api/client";
import type { StoredImage } from "../api/types";
import { EMPTY_DRAFT, pendingChanges, type ReviewDraft } from "../lib/review";
import { useImage } from "./useLifecycle";

export function useReview(imageId: number) {
  const image = useImage(imageId);
  const [draft, setDraft] = useState<ReviewDraft>(EMPTY_DRAFT);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [savedAt, setSavedAt] = useState<Date | null>(null);

  const record = image.state.data;
  const changes = record ? pendingChanges(allDetections(record), record.missed_objects, draft) : null;

  /**
   * Store the edits, all of them or (on the API's side) none; `reviewed` also sets the review state.
   * `scoreThreshold`: the lowest score the reviewer is shown, kept with the review. True once stored.
   */
  const save = async (reviewed?: boolean, scoreThreshold?: number): Promise<boolean> => {
      if (!record || !changes) return false;
      setSaving(true);
      setSaveError(null);
      try {
        // Taking back a judgement and removing a drawn box are their own requests; the rest goes in one.
        for (const detectionId of changes.cleared) await clearFeedback(detectionId);
        for (const missedId of changes.removed) await deleteMissedObject(missedId);
        const updated: StoredImage = await submitFeedback(record.id, {
          detections: changes.feedback,
          missed: changes.added,
          ...(reviewed === undefined ? {} : { reviewed }),
          ...(scoreThreshold === undefined ? {} : { score_threshold: scoreThreshold }),
        });
        image.replace(updated);
        setDraft(EMPTY_DRAFT);
        setSavedAt(new Date());
        return true;
      } catch (cause) {
        setSaveError(toApiError(cause));
        // Whatever did get stored shows after a reload; edits that match it are no longer pending.
        image.reload();
        return false;
      } finally {
        setSaving(false);
      }
  };

  return {
    image,
    draft,
    setDraft,
    changes,
    save,
    saving,
    saveError,
    dismissSaveError: () => setSaveError(null),
    savedAt,
    dismissSaved: () => setSavedAt(null),
  };
}

function allDetections(image: StoredImage) {
  return image.predictions.flatMap((prediction) => prediction.detections);
}
