import { useState } from "react";
import { links } from "../../hooks/useRoute";

interface Props {
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** The id the server stored the photo on screen under, once it has. */
  storedImageId: number | null;
}

/** Opt-in to have the server keep the photo and its prediction for review; off by default. */
export function KeepForReviewSwitch({ checked, onChange, storedImageId }: Props) {
  const [copied, setCopied] = useState<number | null>(null);
  const permalink = storedImageId !== null ? new URL(links.review(storedImageId), window.location.href).href : null;
  return (
    <div className="field">
      <label className="switch-label" htmlFor="keep-for-review">
        <input
          id="keep-for-review"
          type="checkbox"
          role="switch"
          className="switch"
          checked={checked}
          onChange={(event) => onChange(event.target.checked)}
        />
        <span>Keep for review</span>
      </label>
      <p className="help" data-testid="keep-help">
        {storedImageId !== null ? (
          <>
            Kept on the server as photo #{storedImageId}.{" "}
            {/* Underlined: in a line of text a link must not be told apart by its colour alone. */}
            <a className="is-underlined" href={links.review(storedImageId)}>
              Review its boxes
            </a>
            {checked && ". While this is on, each new run on it (another model, a retry) is kept as one more prediction."}
          </>
        ) : checked
          ? "On: the server keeps this photo and its prediction, so the boxes can be reviewed and corrected."
          : "Off: the server forgets the photo once it has answered."}
      </p>
      {permalink && (
        <p className="help">
          <button
            type="button"
            className="button is-small is-light"
            onClick={() => void navigator.clipboard.writeText(permalink).then(() => setCopied(storedImageId))}
          >
            Copy link to this result
          </button>{" "}
          <span role="status">{copied === storedImageId && "Link copied: it opens this photo with its kept boxes."}</span>
        </p>
      )}
    </div>
  );
}
