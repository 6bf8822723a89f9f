/** Sending a photo to the detector, with one request in flight at a time and no way to hang. */
import { useCallback, useEffect, useRef, useState } from "react";
import { detect, toApiError, type ApiError, type DetectParams } from "../api/client";
import type { DetectResult } from "../api/types";

export type DetectState =
  | { status: "idle" }
  | { status: "loading"; params: DetectParams }
  | { status: "done"; result: DetectResult; params: DetectParams; roundTripMs: number }
  | { status: "error"; error: ApiError; params: DetectParams };

export function useDetect() {
  const [state, setState] = useState<DetectState>({ status: "idle" });
  const inFlight = useRef<AbortController | null>(null);

  const run = useCallback(async (image: Blob, params: DetectParams) => {
    // A newer photo or setting replaces the request still running; its answer would be stale.
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setState({ status: "loading", params });
    const started = performance.now();
    try {
      const result = await detect(image, params, controller.signal);
      if (controller.signal.aborted) return;
      setState({ status: "done", result, params, roundTripMs: performance.now() - started });
    } catch (cause) {
      if (controller.signal.aborted) return;
      setState({ status: "error", error: toApiError(cause), params });
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
    }
  }, []);

  /** Show an answer that came another way (a batch), as if this photo had been sent alone. */
  const show = useCallback((result: DetectResult, params: DetectParams, roundTripMs: number) => {
    inFlight.current?.abort();
    inFlight.current = null;
    setState({ status: "done", result, params, roundTripMs });
  }, []);

  /** Stop waiting for the running request, or forget the last answer. */
  const reset = useCallback(() => {
    inFlight.current?.abort();
    inFlight.current = null;
    setState({ status: "idle" });
  }, []);

  useEffect(() => () => inFlight.current?.abort(), []);

  return { state, run, reset, show };
}
