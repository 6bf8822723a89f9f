import type { BatchPhoto } from "../../hooks/useBatchDetect";
import { useElementSize } from "../../hooks/useElementSize";
import { usePictureUrl } from "../../hooks/usePictureUrl";
import { useShownDetections } from "../../hooks/useShownDetections";
import { DetectionOverlay } from "./DetectionOverlay";

interface Props {
  photos: readonly BatchPhoto[];
  /** The score slider's value: a card counts and draws what the single view would show. */
  minScore: number;
  onOpen: (position: number) => void;
}

const NO_TAGS: never[] = [];

/** The photos sent together, one card each: its boxes, its name, how many objects, or why it failed. */
export function BatchResults({ photos, minScore, onOpen }: Props) {
  const done = photos.filter((photo) => photo.outcome !== null).length;
  return (
    <section aria-label="Results for your photos">
      <p className="mb-3" role="status" data-testid="batch-progress">
        {done < photos.length ? `Detecting objects: ${done} of ${photos.length} photos answered…` : `${photos.length} photos`}
      </p>
      <ul className="columns is-multiline is-mobile batch-grid">
        {photos.map((photo, position) => (
          <li key={position} className="column is-half-mobile is-one-third-tablet" data-testid="batch-card">
            <BatchCard photo={photo} minScore={minScore} onOpen={() => onOpen(position)} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function BatchCard({ photo, minScore, onOpen }: { photo: BatchPhoto; minScore: number; onOpen: () => void }) {
  const [measure, display] = useElementSize<HTMLImageElement>();
  const result = photo.outcome?.status === "done" ? photo.outcome.result : null;
  const { shown, colors } = useShownDetections(result, minScore);
  const name = photo.file.name;
  // The thumbnail's object URL goes with the card; a TIFF is drawn in the page first.
  const url = usePictureUrl(photo.file);
  return (
    <div className="card batch-card">
      <div className="card-image">
        <div className="photo-frame">
          <img ref={measure} src={url ?? undefined} alt={`Your photo ${name}`} data-testid="batch-thumbnail" />
          {result && display && (
            <DetectionOverlay detections={shown} image={result.image} display={display} colors={colors} tagPlaces={NO_TAGS} />
          )}
        </div>
      </div>
      <div className="card-content p-3">
        <p className="is-size-7 has-text-weight-semibold batch-name" title={name}>
          {name}
        </p>
        {photo.outcome === null && <p className="is-size-7">Detecting…</p>}
        {result && (
          <p className="is-size-7" data-testid="batch-count">
            {shown.length} {shown.length === 1 ? "object" : "objects"}
          </p>
        )}
        {photo.outcome?.status === "error" && (
          <p className="is-size-7 has-text-danger-dark" data-testid="batch-error">
            {photo.outcome.error.message}
          </p>
        )}
        {result && (
          <button type="button" className="button is-small mt-2" onClick={onOpen}>
            Open<span className="is-sr-only"> {name}</span>
          </button>
        )}
      </div>
    </div>
  );
}
