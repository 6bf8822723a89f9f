/**
 * Which screen the address shows. The routes live in the hash (#/history?page=2), so the server
 * only ever serves "/" and going back and forth in the browser works without it.
 */
import { useEffect, useState } from "react";

export type Route =
  | { screen: "detect" }
  | { screen: "history"; query: URLSearchParams }
  | { screen: "review"; imageId: number }
  /** The next photo the review queue offers. */
  | { screen: "queue" }
  | { screen: "evaluate" }
  | { screen: "stats" };

export function parseRoute(hash: string): Route {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "history") return { screen: "history", query: new URLSearchParams(search) };
  if (parts[0] === "images" && /^\d+$/.test(parts[1] ?? "")) return { screen: "review", imageId: Number(parts[1]) };
  if (parts[0] === "review") return { screen: "queue" };
  if (parts[0] === "evaluate") return { screen: "evaluate" };
  if (parts[0] === "stats") return { screen: "stats" };
  return { screen: "detect" };
}

// Asked before the address moves on; false keeps the page where it is (the Review screen's unsaved edits).
let leaveGuard: (() => boolean) | null = null;

/** Ask `guard` before any change of screen or photo; null stops asking. */
export function guardLeaving(guard: (() => boolean) | null): void {
  leaveGuard = guard;
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = (event: HashChangeEvent) => {
      if (leaveGuard && !leaveGuard()) {
        // Put the address back without another hashchange: the screen never left.
        window.history.replaceState(window.history.state, "", event.oldURL);
        return;
      }
      setHash(window.location.hash);
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return parseRoute(hash);
}

export const links = {
  detect: "#/",
  history: (query?: URLSearchParams) => (query && query.size > 0 ? `#/history?${query}` : "#/history"),
  review: (imageId: number) => `#/images/${imageId}`,
  queue: "#/review",
  evaluate: "#/evaluate",
  stats: "#/stats",
};
