import { colorOf, tagTextColor, type ClassColors } from "../../lib/colors";
import type { ShownDetection } from "../../lib/filter";
import { boxArea, toDisplayRect, type Size } from "../../lib/geometry";
import { byScore as bestFirst, overlayTags, tagText, type PlacedTag } from "../../lib/tagPlacement";

interface Props {
  detections: readonly ShownDetection[];
  /** The photo's own size, the space the API's boxes are in. */
  image: Size;
  /** The size the photo is displayed at right now. */
  display: Size;
  colors: ClassColors;
  /** The detection pointed at or focused elsewhere (the list), drawn stronger; none by default. */
  highlighted?: number | null;
  /** Pointing at or focusing a detection (`on`), or leaving it; views without a list leave it out. */
  onHighlight?: (index: number, on: boolean) => void;
  /**
   * Where the tags go, best score first, when the caller has placed them already; placed with
   * `zoom`, in the pixels of the photo as zoomed on screen.
   */
  tagPlaces?: readonly PlacedTag[];
  /**
   * How much the photo and this overlay are zoomed (a CSS scale on an ancestor; 1 at fit). The boxes
   * zoom with the photo, their outline and each tag drawn at 1 / zoom, so that the outline's width and
   * the tag's text stay the same size on screen.
   */
  zoom?: number;
}

/** Boxes over the displayed photo, one colour per class, each with a label-and-score tag. */
export function DetectionOverlay(props: Props) {
  const { detections, image, display, colors, highlighted = null, onHighlight, tagPlaces: placed, zoom = 1 } = props;
  const rects = new Map(detections.map((d) => [d.index, toDisplayRect(d.box, image, display)]));
  // Small boxes are drawn last, so a box inside another can still be pointed at.
  const byArea = [...detections].sort((a, b) => boxArea(b.box) - boxArea(a.box));
  const byScore = bestFirst(detections);
  const tagPlaces = placed ?? overlayTags(byScore, image, { width: display.width * zoom, height: display.height * zoom });
  const stateClass = (index: number) =>
    highlighted === index ? " is-highlighted" : highlighted !== null ? " is-dimmed" : "";
  const hover = (index: number) => ({
    onMouseEnter: () => onHighlight?.(index, true),
    onMouseLeave: () => onHighlight?.(index, false),
  });

  return (
    <div className="detection-overlay" data-testid="detection-overlay">
      <svg
        width={display.width}
        height={display.height}
        viewBox={`0 0 ${display.width} ${display.height}`}
        aria-label={`${detections.length} objects outlined`}
        role="img"
      >
        {byArea.map((d) => {
          const rect = rects.get(d.index)!;
          return (
            <rect
              key={d.index}
              data-testid={`box-${d.index}`}
              data-label={d.label}
              className={`detection-box${stateClass(d.index)}`}
              x={rect.x}
              y={rect.y}
              width={rect.width}
              height={rect.height}
              stroke={colorOf(colors, d.class_id)}
              strokeWidth={(highlighted === d.index ? 4 : 2) / zoom}
              fill="transparent"
              {...hover(d.index)}
            >
              <title>{tagText(d)}</title>
            </rect>
          );
        })}
      </svg>
      {byScore.map((d, rank) => {
        const place = tagPlaces[rank];
        // No room left for this tag: its box keeps its title and its row in the list.
        if (!place) return null;
        return (
          <span
            key={d.index}
            data-testid={`tag-${d.index}`}
            className={`detection-tag${stateClass(d.index)}`}
            style={{
              backgroundColor: colorOf(colors, d.class_id),
              color: tagTextColor(colorOf(colors, d.class_id)),
              left: place.x / zoom,
              top: place.y / zoom,
              width: place.width,
              transform: zoom === 1 ? undefined : `scale(${1 / zoom})`,
            }}
            {...hover(d.index)}
          >
            {tagText(d)}
          </span>
        );
      })}
    </div>
  );
}
