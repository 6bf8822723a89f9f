/** Whether something that started has been going on for longer than a person should wait without being told. */
import { useEffect, useState } from "react";

/** The API answers in well under a second here; this long without an answer, the server is struggling. */
export const SLOW_ANSWER_MS = 15_000;

/**
 * True once `ms` have passed while `running` stays the same truthy value; a new value (a new request)
 * starts the clock again, and a falsy one stops it.
 */
export function useTakingLong(running: unknown, ms: number): boolean {
  const [longFor, setLongFor] = useState<unknown>(null);
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => setLongFor(running), ms);
    return () => clearTimeout(timer);
  }, [running, ms]);
  return Boolean(running) && longFor === running;
}
