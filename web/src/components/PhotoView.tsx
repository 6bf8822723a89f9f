import type { DetectResult } from "../api";
import { useElementSize } from "../hooks/useElementSize";
import type { ClassColors } from "../lib/colors";
import type { ShownDetection } from "../lib/filter";
import { formatBytes } from "../lib/format";
import type { Photo } from "../lib/photoFile";
import { DetectionOverlay } from "./DetectionOverlay";

interface Props {
  photo: Photo;
  /** The detector's answer for this photo, once there is one. */
  result: DetectResult | null;
  detections: readonly ShownDetection[];
  colors: ClassColors;
  busy: boolean;
  busyLabel: string;
  onCancel: () => void;
  highlighted: number | null;
  onHighlight: (index: number | null) => void;
}

/** The chosen photo at the size the window allows, with the detections drawn over it. */
export function PhotoView({ photo, result, detections, colors, busy, busyLabel, onCancel, highlighted, onHighlight }: Props) {
  const [measure, display] = useElementSize<HTMLImageElement>();
  return (
    <figure className="photo-view">
      <div className="photo-frame">
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
          />
        )}
        {busy && (
          <div className="photo-busy" role="status" aria-live="polite">
            <div className="box has-text-centered">
              <p className="mb-2">{busyLabel}</p>
              <progress className="progress is-small is-primary" aria-label={busyLabel} />
              <button type="button" className="button is-small is-light" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </div>
        )}
      </div>
      <figcaption className="is-size-7 has-text-grey mt-2">
        {photo.file.name} · {photo.width}×{photo.height} px · {formatBytes(photo.file.size)}
      </figcaption>
    </figure>
  );
}
