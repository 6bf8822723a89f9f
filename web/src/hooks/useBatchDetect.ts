/** Several photos sent to the batch endpoint, each with its own outcome as the answers come in. */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, detect, detectBatch, type DetectParams } from "../api/client";
import { detectInBatches, type PhotoOutcome } from "../lib/batches";
import { checkPhotoFile } from "../lib/photoFile";

export interface BatchPhoto {
  file: File;
  /** Null while its request is on its way. */
  outcome: PhotoOutcome | null;
  /** From sending its request to its answer. */
  roundTripMs: number | null;
}

export interface BatchState {
  photos: BatchPhoto[];
  params: DetectParams;
  running: boolean;
}

export function useBatchDetect() {
  const [state, setState] = useState<BatchState | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const run = useCallback((files: File[], params: DetectParams) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const photos: BatchPhoto[] = files.map((file) => {
      // A file the page would refuse alone is refused here too, with the same reason, and not sent.
      const problem = checkPhotoFile(file);
      const outcome: PhotoOutcome | null = problem
        ? { status: "error", error: new ApiError(problem, { code: "not_a_photo" }) }
        : null;
      return { file, outcome, roundTripMs: null };
    });
    setState({ photos, params, running: true });
    const sendable = photos.map((photo, position) => ({ photo, position })).filter(({ photo }) => !photo.outcome);
    let sentAt = 0;
    const record = (position: number, outcome: PhotoOutcome) => {
      if (controller.signal.aborted) return;
      const roundTripMs = performance.now() - sentAt;
      setState((old) =>
        old && {
          ...old,
          photos: old.photos.map((photo, i) => (i === sendable[position].position ? { ...photo, outcome, roundTripMs } : photo)),
        },
      );
    };
    void detectInBatches(sendable, {
      sendBatch: (group) => {
        sentAt = performance.now();
        return detectBatch(group.map(({ photo }) => photo.file), params, controller.signal);
      },
      sendOne: ({ photo }) => {
        sentAt = performance.now();
        return detect(photo.file, params, controller.signal);
      },
      onOutcome: record,
    })
      .catch(() => undefined)
      .finally(() => {
        if (inFlight.current === controller) inFlight.current = null;
        if (!controller.signal.aborted) setState((old) => old && { ...old, running: false });
      });
  }, []);

  /** Stop sending and forget the photos. */
  const reset = useCallback(() => {
    inFlight.current?.abort();
    inFlight.current = null;
    setState(null);
  }, []);

  useEffect(() => () => inFlight.current?.abort(), []);

  return { state, run, reset };
}
