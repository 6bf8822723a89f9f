/** What a key pressed on the zoomable photo asks for: the keyboard's way to zoom, pan and reset. */

/** Screen pixels one arrow key press moves the photo by. */
export const PAN_STEP_PX = 40;

export type ZoomKeyAction =
  | { kind: "zoom-in" }
  | { kind: "zoom-out" }
  | { kind: "reset" }
  | { kind: "pan"; dx: number; dy: number };

/** The action for `key` (a KeyboardEvent.key), or null when the key is not one of ours. */
export function zoomKeyAction(key: string): ZoomKeyAction | null {
  switch (key) {
    case "+":
    case "=":
      return { kind: "zoom-in" };
    case "-":
    case "_":
      return { kind: "zoom-out" };
    case "0":
      return { kind: "reset" };
    // An arrow moves the view that way, so the photo slides the other way under it.
    case "ArrowLeft":
      return { kind: "pan", dx: PAN_STEP_PX, dy: 0 };
    case "ArrowRight":
      return { kind: "pan", dx: -PAN_STEP_PX, dy: 0 };
    case "ArrowUp":
      return { kind: "pan", dx: 0, dy: PAN_STEP_PX };
    case "ArrowDown":
      return { kind: "pan", dx: 0, dy: -PAN_STEP_PX };
    default:
      return null;
  }
}

/**
 * Panzoom's translation is applied inside its scale (`scale(s) translate(x, y)`), so moving the
 * photo by `screenPx` on screen is a translation of `screenPx / scale`.
 */
export function panDistance(screenPx: number, scale: number): number {
  return screenPx / scale;
}
