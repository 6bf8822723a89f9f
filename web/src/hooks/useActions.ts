/** Actions a screen runs on the API, with the one running and the last failure for the page to show. */
import { useState } from "react";
import { toApiError, type ApiError } from "../api/client";

export function useActions<Action extends string>() {
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState<{ action: Action; error: ApiError } | null>(null);

  /** `call`'s answer, or null when it failed (the failure is in `error`). */
  const run = async <T,>(action: Action, call: () => Promise<T>): Promise<T | null> => {
    setBusy(action);
    setError(null);
    try {
      return await call();
    } catch (cause) {
      setError({ action, error: toApiError(cause) });
      return null;
    } finally {
      setBusy(null);
    }
  };

  return { busy, error, dismissError: () => setError(null), run };
}
