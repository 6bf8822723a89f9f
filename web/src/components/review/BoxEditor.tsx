import { useRef, useState, type PointerEvent } from "react";
import type { Box } from "../../api/types";
import { boxArea, toDisplayRect, type Point, type Size } from "../../lib/geometry";
import { normaliseBox } from "../../lib/review";
import { PAGE_TAG, placeTags, tagTextMeasurer } from "../../lib/tagPlacement";

export type BoxTone = "unjudged" | "correct" | "wrong" | "fixed" | "missed";

export interface EditableBox {
  key: string;
  /** xyxy in the photo's pixels. */
  box: Box;
  tag: string;
  tone: BoxTone;
}

interface Props {
  image: Size;
  display: Size;
  boxes: readonly EditableBox[];
  selected: string | null;
  onSelect: (key: string | null) => void;
  onChange: (key: string, box: Box) => void;
  /** When on, dragging on the photo draws a new box. */
  drawing: boolean;
  onDraw: (box: Box) => void;
}

type Handle = "move" | "nw" | "ne" | "sw" | "se";
type Drag =
  | { kind: "edit"; key: string; handle: Handle; start: Point; original: Box }
  | { kind: "draw"; start: Point; current: Point };

const HANDLE_RADIUS = 7;
/** Drawn boxes smaller than this (photo pixels, each side) are taken for a stray click. */
const MIN_DRAWN_SIDE = 4;

/** Boxes over a stored photo that can be picked, dragged by their corners or moved, and new ones drawn. */
export function BoxEditor({ image, display, boxes, selected, onSelect, onChange, drawing, onDraw }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);

  const toPhoto = (event: PointerEvent): Point => {
    const bounds = svg.current!.getBoundingClientRect();
    const x = ((event.clientX - bounds.left) / bounds.width) * image.width;
    const y = ((event.clientY - bounds.top) / bounds.height) * image.height;
    return { x: Math.min(image.width, Math.max(0, x)), y: Math.min(image.height, Math.max(0, y)) };
  };

  const startEdit = (event: PointerEvent, key: string, handle: Handle, box: Box) => {
    if (drawing) return;
    event.stopPropagation();
    onSelect(key);
    svg.current?.setPointerCapture?.(event.pointerId);
    setDrag({ kind: "edit", key, handle, start: toPhoto(event), original: box });
  };

  const onPointerDown = (event: PointerEvent) => {
    if (!drawing) {
      onSelect(null);
      return;
    }
    svg.current?.setPointerCapture?.(event.pointerId);
    const start = toPhoto(event);
    setDrag({ kind: "draw", start, current: start });
  };

  const onPointerMove = (event: PointerEvent) => {
    if (!drag) return;
    const point = toPhoto(event);
    if (drag.kind === "draw") {
      setDrag({ ...drag, current: point });
      return;
    }
    const dx = point.x - drag.start.x;
    const dy = point.y - drag.start.y;
    const { x1, y1, x2, y2 } = drag.original;
    const moved: Record<Handle, Box> = {
      move: moveInside({ x1: x1 + dx, y1: y1 + dy, x2: x2 + dx, y2: y2 + dy }, image),
      nw: { x1: x1 + dx, y1: y1 + dy, x2, y2 },
      ne: { x1, y1: y1 + dy, x2: x2 + dx, y2 },
      sw: { x1: x1 + dx, y1, x2, y2: y2 + dy },
      se: { x1, y1, x2: x2 + dx, y2: y2 + dy },
    };
    onChange(drag.key, normaliseBox(moved[drag.handle], image.width, image.height));
  };

  const onPointerUp = () => {
    if (drag?.kind === "draw") {
      const box = normaliseBox(
        { x1: drag.start.x, y1: drag.start.y, x2: drag.current.x, y2: drag.current.y },
        image.width,
        image.height,
      );
      if (box.x2 - box.x1 >= MIN_DRAWN_SIDE && box.y2 - box.y1 >= MIN_DRAWN_SIDE) onDraw(box);
    }
    setDrag(null);
  };

  // The selected box is drawn last, on top; the others largest first so small ones stay reachable.
  const ordered = [...boxes].sort((a, b) =>
    a.key === selected ? 1 : b.key === selected ? -1 : boxArea(b.box) - boxArea(a.box),
  );
  const rects = new Map(boxes.map((b) => [b.key, toDisplayRect(b.box, image, display)]));
  const measure = tagTextMeasurer(PAGE_TAG.font, PAGE_TAG.fallbackCharWidth);
  const tagPlaces = placeTags(
    boxes.map((b) => ({ rect: rects.get(b.key)!, width: measure(b.tag) + 2 * PAGE_TAG.padding })),
    display,
    PAGE_TAG.height,
  );
  const drawn =
    drag?.kind === "draw"
      ? toDisplayRect(
          normaliseBox({ x1: drag.start.x, y1: drag.start.y, x2: drag.current.x, y2: drag.current.y }, image.width, image.height),
          image,
          display,
        )
      : null;

  return (
    <div className={`detection-overlay box-editor${drawing ? " is-drawing" : ""}`} data-testid="box-editor">
      <svg
        ref={svg}
        width={display.width}
        height={display.height}
        viewBox={`0 0 ${display.width} ${display.height}`}
        role="img"
        aria-label={drawing ? "Drag on the photo to draw the missed object" : `${boxes.length} boxes to review`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setDrag(null)}
      >
        {ordered.map((b) => {
          const rect = rects.get(b.key)!;
          const isSelected = b.key === selected;
          return (
            <g key={b.key}>
              <rect
                data-testid={`edit-box-${b.key}`}
                className={`review-box tone-${b.tone}${isSelected ? " is-selected" : ""}`}
                x={rect.x}
                y={rect.y}
                width={rect.width}
                height={rect.height}
                onPointerDown={(event) => startEdit(event, b.key, "move", b.box)}
              >
                <title>{b.tag}</title>
              </rect>
              {isSelected &&
                !drawing &&
                (
                  [
                    ["nw", rect.x, rect.y],
                    ["ne", rect.x + rect.width, rect.y],
                    ["sw", rect.x, rect.y + rect.height],
                    ["se", rect.x + rect.width, rect.y + rect.height],
                  ] as const
                ).map(([handle, cx, cy]) => (
                  <circle
                    key={handle}
                    data-testid={`handle-${handle}`}
                    className={`corner-handle handle-${handle}`}
                    cx={cx}
                    cy={cy}
                    r={HANDLE_RADIUS}
                    onPointerDown={(event) => startEdit(event, b.key, handle, b.box)}
                  />
                ))}
            </g>
          );
        })}
        {drawn && <rect className="review-box tone-missed is-drawing" x={drawn.x} y={drawn.y} width={drawn.width} height={drawn.height} />}
      </svg>
      {boxes.map((b, i) => {
        const place = tagPlaces[i];
        return (
          place && (
            <span
              key={b.key}
              className={`detection-tag review-tag tone-${b.tone}${b.key === selected ? " is-highlighted" : ""}`}
              style={{ left: place.x, top: place.y, width: place.width }}
            >
              {b.tag}
            </span>
          )
        );
      })}
    </div>
  );
}

/** `box` shifted back inside the photo without changing its size. */
function moveInside(box: Box, image: Size): Box {
  const dx = Math.max(0, -box.x1) - Math.max(0, box.x2 - image.width);
  const dy = Math.max(0, -box.y1) - Math.max(0, box.y2 - image.height);
  return { x1: box.x1 + dx, y1: box.y1 + dy, x2: box.x2 + dx, y2: box.y2 + dy };
}
