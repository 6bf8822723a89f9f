/**
 * The API key this browser sends to a server that asks for one (SIGHTLINE_API_KEYS). It is the user's
 * own browser, so the key is kept in localStorage: it survives a reload until the user forgets it.
 */

const STORAGE_KEY = "sightline.apiKey";
const listeners = new Set<() => void>();
/** Where the key lives when the browser refuses localStorage: it then lasts until the page closes. */
let keyInMemory: string | null = null;

export function getApiKey(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return keyInMemory;
  }
}

/** Send `key` with every request from now on, here and after a reload. */
export function saveApiKey(key: string): void {
  keep(key);
}

/** Stop sending a key and remove it from the browser. */
export function forgetApiKey(): void {
  keep(null);
}

function keep(key: string | null) {
  try {
    if (key === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, key);
  } catch {
    keyInMemory = key;
  }
  for (const listener of listeners) listener();
}

/** Call `listener` whenever the key changes, in this tab or in another tab of the page. */
export function subscribeApiKey(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}
