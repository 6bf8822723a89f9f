/** The API key this browser sends, kept current when it is saved, changed or forgotten anywhere on the page. */
import { useSyncExternalStore } from "react";
import { getApiKey, subscribeApiKey } from "../lib/apiKey";

export function useApiKey(): string | null {
  return useSyncExternalStore(subscribeApiKey, getApiKey);
}
