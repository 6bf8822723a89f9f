/** The rendered size of an element, kept current as the window or layout changes. */
import { useCallback, useState } from "react";
import type { Size } from "../lib/geometry";

export function useElementSize<T extends HTMLElement>(): [(element: T | null) => void, Size | null] {
  const [size, setSize] = useState<Size | null>(null);

  // A callback ref (React 19 runs its returned cleanup) follows the element even when it is replaced.
  const ref = useCallback((element: T | null) => {
    if (!element) return;
    const measure = () => {
      const { width, height } = element.getBoundingClientRect();
      setSize((old) => (old && old.width === width && old.height === height ? old : { width, height }));
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  return [ref, size];
}
