/** The rendered size of an element, kept current as the window or layout changes. */
import { useCallback, useState } from "react";
import type { Size } from "../lib/geometry";

export function useElementSize<T extends HTMLElement>(): [(element: T | null) => void, Size | null] {
  const [size, setSize] = useState<Size | null>(null);

  // A callback ref (React 19 runs its returned cleanup) follows the element even when it is replaced.
  const ref = useCallback((element: T | null) => {
    if (!element) return;
    const keep = (width: number, height: number) =>
      setSize((old) => (old && old.width === width && old.height === height ? old : { width, height }));
    const { width, height } = element.getBoundingClientRect();
    keep(width, height);
    if (typeof ResizeObserver === "undefined") return;
    // The layout size, which a zoom's CSS transform leaves alone (the bounding box grows with it).
    const observer = new ResizeObserver(([entry]) => keep(entry.contentRect.width, entry.contentRect.height));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  return [ref, size];
}
