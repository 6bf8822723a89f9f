interface Props {
  onPng: () => void;
  onJson: () => void;
  busy: boolean;
}

/** Save what is on screen: the photo with its boxes drawn in, or the detections as JSON. */
export function DownloadButtons({ onPng, onJson, busy }: Props) {
  return (
    <div className="buttons are-small mb-2">
      <button type="button" className={`button is-link is-outlined ${busy ? "is-loading" : ""}`} onClick={onPng}>
        Download PNG
      </button>
      <button type="button" className="button is-link is-outlined" onClick={onJson}>
        Download JSON
      </button>
    </div>
  );
}
