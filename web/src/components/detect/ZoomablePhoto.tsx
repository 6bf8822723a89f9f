import Panzoom, { type PanzoomObject } from "@panzoom/panzoom";
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { panDistance, zoomKeyAction } from "../../lib/zoomKeys";

const MAX_SCALE = 8;
// Panzoom animates buttons and reset by default; a step that lands at once is what the keys need too.
const INSTANT = { animate: false };
// Panzoom multiplies the scale by e^step per click: two clicks double it.
const ZOOM_STEP = Math.log(2) / 2;

interface Props {
  /** What zooms and pans together: the photo and the boxes drawn over it, so they stay aligned. */
  children: ReactNode;
  /** Drawn over the frame without zooming (e.g. the "Detecting…" box). */
  cover?: ReactNode;
  /** Names the photo for screen readers. */
  label: string;
  /** Told the zoom (1 at fit) whenever it changes, e.g. to keep the tags' text one size on screen. */
  onZoom?: (zoom: number) => void;
}

/**
 * The photo in a frame that zooms (buttons, + and − keys, Ctrl + wheel or a pinch) and pans (drag,
 * arrow keys) as one piece with its boxes; Reset, 0 or a new photo bring it back to fit.
 */
export function ZoomablePhoto({ children, cover, label, onZoom }: Props) {
  const content = useRef<HTMLDivElement>(null);
  const zoomer = useRef<PanzoomObject | null>(null);
  const [scale, setScale] = useState(1);
  const reportZoom = useRef(onZoom);
  reportZoom.current = onZoom;
  useEffect(() => reportZoom.current?.(scale), [scale]);

  useEffect(() => {
    const element = content.current;
    const frame = element?.parentElement;
    if (!element || !frame) return;
    // "outside": the photo always fills the frame, so it can never be dragged out of sight.
    const panzoom = Panzoom(element, {
      minScale: 1,
      maxScale: MAX_SCALE,
      step: ZOOM_STEP,
      contain: "outside",
      animate: false,
      cursor: "default",
      touchAction: "pan-y",
    });
    zoomer.current = panzoom;
    const onChange = (event: Event) => {
      const zoomed = (event as CustomEvent<{ scale: number }>).detail.scale;
      setScale(zoomed);
      // Zoomed in, a finger pans the photo; at fit, it scrolls the page as anywhere else.
      element.style.cursor = zoomed > 1 ? "grab" : "default";
      panzoom.setOptions({ touchAction: zoomed > 1 ? "none" : "pan-y" });
    };
    // A plain wheel keeps scrolling the page; Ctrl + wheel (and a touchpad pinch, sent as one) zooms.
    const onWheel = (event: WheelEvent) => {
      if (event.ctrlKey || event.metaKey) panzoom.zoomWithWheel(event);
    };
    element.addEventListener("panzoomchange", onChange);
    frame.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      element.removeEventListener("panzoomchange", onChange);
      frame.removeEventListener("wheel", onWheel);
      panzoom.destroy();
      zoomer.current = null;
    };
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    const panzoom = zoomer.current;
    const action = zoomKeyAction(event.key);
    if (!panzoom || !action || event.altKey || event.ctrlKey || event.metaKey) return;
    // At fit the arrows have nothing to move and keep scrolling the page.
    if (action.kind === "pan" && panzoom.getScale() <= 1) return;
    event.preventDefault();
    if (action.kind === "zoom-in") panzoom.zoomIn(INSTANT);
    else if (action.kind === "zoom-out") panzoom.zoomOut(INSTANT);
    else if (action.kind === "reset") panzoom.reset(INSTANT);
    else {
      const zoomed = panzoom.getScale();
      panzoom.pan(panDistance(action.dx, zoomed), panDistance(action.dy, zoomed), { relative: true });
    }
  };

  const percent = Math.round(scale * 100);
  return (
    <>
      <div
        className="photo-frame"
        tabIndex={0}
        role="group"
        aria-label={`${label}, zoom ${percent}%: + and − zoom, arrow keys move, 0 resets`}
        data-testid="zoom-frame"
        onKeyDown={onKeyDown}
      >
        <div ref={content} className="photo-zoom" data-testid="zoom-content">
          {children}
        </div>
        {cover}
      </div>
      <div className="buttons are-small is-centered mt-2 mb-0 zoom-controls">
        <button type="button" className="button" aria-label="Zoom out" disabled={percent <= 100}
          onClick={() => zoomer.current?.zoomOut(INSTANT)}>
          −
        </button>
        <span className="is-size-7 mx-2 mb-2" data-testid="zoom-level" aria-live="polite">
          {percent}%
        </span>
        <button type="button" className="button" aria-label="Zoom in" disabled={percent >= MAX_SCALE * 100}
          onClick={() => zoomer.current?.zoomIn(INSTANT)}>
          +
        </button>
        <button type="button" className="button" disabled={percent <= 100} onClick={() => zoomer.current?.reset(INSTANT)}>
          Reset zoom
        </button>
      </div>
    </>
  );
}
