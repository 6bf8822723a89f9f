/** Loading something from the API when `key` changes, with the last good data kept while reloading. */
import { useCallback, useEffect, useRef, useState } from "react";
import { toApiError, type ApiError } from "../api/client";
import { useApiKey } from "./useApiKey";

export type ResourceState<T> =
  | { status: "loading"; data: T | null }
  | { status: "done"; data: T }
  | { status: "error"; error: ApiError; data: T | null };

/**
 * `load` runs on mount, whenever `key` changes, and on `reload()`; an answer that arrives after a newer
 * request started is dropped. `key` stands for everything `load` depends on. A new API key loads again
 * too: what the old key was refused may now be allowed, and forgetting it may close it.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, key: string) {
  const [state, setState] = useState<ResourceState<T>>({ status: "loading", data: null });
  const [attempt, setAttempt] = useState(0);
  const apiKey = useApiKey();
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((old) => ({ status: "loading", data: old.data }));
    loader.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "done", data });
      },
      (cause: unknown) => {
        if (!controller.signal.aborted) setState((old) => ({ status: "error", error: toApiError(cause), data: old.data }));
      },
    );
    return () => controller.abort();
  }, [key, attempt, apiKey]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  /** Replace the data with a newer copy the caller already has, e.g. the answer to a write. */
  const replace = useCallback((data: T) => setState({ status: "done", data }), []);
  return { state, reload, replace };
}
