/** The list of models the server offers, fetched when the page opens and again when the default changes. */
import { useSyncExternalStore } from "react";
import { listModels } from "../api/client";
import { useResource } from "./useResource";

// Bumped when this page changes the server's models, so every screen showing them loads them again.
let modelsVersion = 0;
const listeners = new Set<() => void>();

/** Tell every screen that the server's models (e.g. its default) changed. */
export function modelsChanged(): void {
  modelsVersion += 1;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useModels() {
  const version = useSyncExternalStore(subscribe, () => modelsVersion);
  const { state, reload } = useResource(listModels, `models-${version}`);
  return { state, retry: reload };
}
