import { useEffect, useMemo, useRef, useState } from "react";
import type { DetectResult } from "../../api/types";
import { useElementSize } from "../../hooks/useElementSize";
import type { ClassColors } from "../../lib/colors";
import type { Size } from "../../lib/geometry";
import type { ShownDetection } from "../../lib/filter";
import { formatBytes } from "../../lib/format";
import type { Photo } from "../../lib/photoFile";
import { byScore, overlayTags } from "../../lib/tagPlacement";
import { DetectionOverlay } from "./DetectionOverlay";
import { ZoomablePhoto } from "./ZoomablePhoto";

interface Props {
  photo: Photo;
  /** The detector's answer for this photo, once there is one. */
  result: DetectResult | null;
  detections: readonly ShownDetection[];
  colors: ClassColors;
  busy: boolean;
  busyLabel: string;
  /** The server has been slow to answer: say so and offer to send the photo again. */
  slow: boolean;
  onRetry: () => void;
  onCancel: () => void;
  /** Move the keyboard focus to Cancel while detecting, so it does not drop to the page once a photo is chosen. */
  takeFocus: boolean;
  highlighted: number | null;
  /** Pointing at or focusing a detection (`on`), or leaving it. */
  onHighlight: (index: number, on: boolean) => void;
}

/** The chosen photo at the size the window allows, with the detections drawn over it. */
export function PhotoView(props: Props) {
  const { photo, result, detections, colors, busy, busyLabel, slow, onRetry, onCancel, takeFocus, highlighted, onHighlight } = props;
  const [measure, display] = useElementSize<HTMLImageElement>();
  const cancel = useRef<HTMLButtonElement>(null);
  // The zoom belongs to the photo it was set on: a new photo starts at fit.
  const [zoomed, setZoomed] = useState({ url: photo.url, zoom: 1 });
  const zoom = zoomed.url === photo.url ? zoomed.zoom : 1;
  // Tags keep their size on screen at any zoom, so they are placed on the photo as it is seen now:
  // zoomed in, the boxes grow around tags of the same size, and more of them find room.
  const tagPlaces = useMemo(
    () => (result && display ? overlayTags(byScore(detections), result.image, scaled(display, zoom)) : []),
    [result, display, detections, zoom],
  );
  const leftOut = tagPlaces.filter((place) => place === null).length;
  useEffect(() => {
    if (busy && takeFocus) cancel.current?.focus();
  }, [busy, takeFocus]);
  return (
    <figure className="photo-view">
      <ZoomablePhoto
        key={photo.url}
        label={`Your photo ${photo.file.name}`}
        onZoom={(level) => setZoomed({ url: photo.url, zoom: level })}
        cover={
          busy && (
            <div className="photo-busy" role="status" aria-live="polite">
              <div className="box has-text-centered">
                <p className="mb-2">{busyLabel}</p>
                <progress className="progress is-small is-primary" aria-label={busyLabel} />
                {slow && (
                  <p className="mb-2 has-text-weight-semibold" data-testid="slow-server">
                    The server is slow to answer. It may be busy; you can wait, or send the photo again.
                  </p>
                )}
                <div className="buttons is-centered">
                  {slow && (
                    <button type="button" className="button is-small is-primary" onClick={onRetry}>
                      Retry
                    </button>
                  )}
                  <button ref={cancel} type="button" className="button is-small is-light" onClick={onCancel}>
                    Cancel
                  </button>
                </div>
              </div>
            </div>
          )
        }
      >
        <img
          ref={measure}
          src={photo.url}
          width={photo.width}
          height={photo.height}
          alt={`Your photo ${photo.file.name}`}
          data-testid="photo"
        />
        {result && display && (
          <DetectionOverlay
            detections={detections}
            image={result.image}
            display={display}
            colors={colors}
            highlighted={highlighted}
            onHighlight={onHighlight}
            tagPlaces={tagPlaces}
            zoom={zoom}
          />
        )}
      </ZoomablePhoto>
      {leftOut > 0 && (
        <p className="is-size-7 has-text-grey mt-2" data-testid="tags-left-out">
          {leftOut} of {tagPlaces.length} tags do not fit on the photo at this size, so they are not drawn over the others;
          every detection is in the list.
        </p>
      )}
      {photo.animated && (
        <p className="notification is-info is-light is-size-7 py-2 px-3 mt-2 mb-0" data-testid="animated-note">
          This is an animated GIF. The detector looks at its first frame only, so that still frame is shown here.
        </p>
      )}
      {photo.pageCount > 1 && (
        <p className="notification is-info is-light is-size-7 py-2 px-3 mt-2 mb-0" data-testid="pages-note">
          This TIFF holds {photo.pageCount} pages. The detector looks at its first page only, so that page is shown here.
        </p>
      )}
      <figcaption className="is-size-7 has-text-grey mt-2">
        {photo.file.name} · {photo.width}×{photo.height} px · {formatBytes(photo.file.size)}
      </figcaption>
    </figure>
  );
}

function scaled(size: Size, zoom: number): Size {
  return { width: size.width * zoom, height: size.height * zoom };
}
