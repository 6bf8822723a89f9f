import { useId, useState } from "react";
import { imageFileUrl, REVIEWED_DATASET } from "../../api/client";
import type { ErrorBox, Evaluation, PhotoErrors as Errors } from "../../api/types";
import { links } from "../../hooks/useRoute";
import { formatScore } from "../../lib/format";
import { NameOptions } from "../common/NameOptions";
import { StoredPhoto } from "../common/StoredPhoto";

const PAGE = 6;
const FALSE_POSITIVE = "#e0301e";
const MISSED = "#f2a900";

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function Box({ item, colour, dashed }: { item: ErrorBox; colour: string; dashed: boolean }) {
  const [x1, y1, x2, y2] = item.box;
  const text = item.score === undefined ? `missed ${item.label}` : `${item.label} ${formatScore(item.score)}`;
  return (
    <g>
      <rect
        x={x1}
        y={y1}
        width={x2 - x1}
        height={y2 - y1}
        fill="none"
        stroke={colour}
        strokeWidth={3}
        strokeDasharray={dashed ? "8 5" : undefined}
        vectorEffect="non-scaling-stroke"
      />
      <title>{text}</title>
    </g>
  );
}

function ErrorPhoto({ photo, reviewable }: { photo: Errors; reviewable: boolean }) {
  const summary = `${plural(photo.false_positives.length, "false positive")}, ${photo.missed.length} missed`;
  return (
    <li className="column is-half-tablet is-one-third-desktop" data-testid={`photo-errors-${photo.image_id}`}>
      <div className="card">
        <div className="card-image">
          <div style={{ position: "relative", lineHeight: 0 }}>
            <StoredPhoto fileUrl={imageFileUrl(photo.image_id)} alt={photo.file_name} style={{ width: "100%", height: "auto" }} />
            <svg
              viewBox={`0 0 ${photo.width} ${photo.height}`}
              preserveAspectRatio="none"
              style={{ position: "absolute", inset: 0, width: "100%", height: "100%" }}
              role="img"
              aria-label={`${photo.file_name}: ${summary}`}
            >
              {photo.false_positives.map((item, i) => (
                <Box key={`fp-${i}`} item={item} colour={FALSE_POSITIVE} dashed />
              ))}
              {photo.missed.map((item, i) => (
                <Box key={`missed-${i}`} item={item} colour={MISSED} dashed={false} />
              ))}
            </svg>
          </div>
        </div>
        <div className="card-content p-3">
          <p className="has-text-weight-semibold is-size-7" style={{ overflowWrap: "anywhere" }}>
            {photo.file_name}
          </p>
          <p className="is-size-7">{summary}</p>
          <ul className="is-size-7 mb-2">
            {photo.false_positives.map((item, i) => (
              <li key={`fp-${i}`}>
                <span style={{ color: FALSE_POSITIVE }}>■</span> {item.label} {formatScore(item.score ?? 0)}: no such object there
              </li>
            ))}
            {photo.missed.map((item, i) => (
              <li key={`missed-${i}`}>
                <span style={{ color: MISSED }}>■</span> {item.label}: not found
              </li>
            ))}
          </ul>
          {reviewable && (
            <a className="button is-small is-light" href={links.review(photo.image_id)}>
              Review this photo
            </a>
          )}
        </div>
      </div>
    </li>
  );
}

/**
 * The photos a model got most wrong at its operating point, worst first, with its false positives (dashed
 * red) and the objects it missed (yellow) drawn; on the reviewed photos, each links to its review, for the
 * "errors" that are really labelling mistakes.
 */
export function PhotoErrors({ evaluation }: { evaluation: Evaluation }) {
  const withErrors = evaluation.results.filter((r) => r.photo_errors);
  const [model, setModel] = useState(withErrors[0]?.model ?? "");
  const [shown, setShown] = useState(PAGE);
  const selectId = useId();
  const result = withErrors.find((r) => r.model === model) ?? withErrors[0];
  if (!result) return null;
  const photos = result.photo_errors ?? [];
  const reviewable = evaluation.dataset === REVIEWED_DATASET;
  const threshold = result.operating_point?.score_threshold;

  return (
    <section className="box" aria-labelledby={`${selectId}-title`}>
      <div className="is-flex is-align-items-center is-flex-wrap-wrap mb-2" style={{ gap: "0.75rem" }}>
        <h3 className="title is-6 mb-0" id={`${selectId}-title`}>
          Photo errors
        </h3>
        <div className="select is-small">
          <select
            aria-label="Model whose errors are shown"
            value={result.model}
            onChange={(event) => {
              setModel(event.target.value);
              setShown(PAGE);
            }}
          >
            <NameOptions names={withErrors.map((r) => r.model)} />
          </select>
        </div>
      </div>
      <p className="is-size-7 mb-3" data-testid="photo-errors-summary">
        {photos.length === 0
          ? `${result.model} made no mistakes at its operating point.`
          : `${plural(photos.length, "photo")} with mistakes by ${result.model}` +
            (threshold !== undefined ? ` keeping boxes scoring at least ${threshold.toFixed(3)}` : "") +
            ", most first. Dashed red: a box where there is no such object; yellow: an object it did not find."}
        {reviewable && photos.length > 0 && " If the photo's labels are what is wrong, review it."}
      </p>
      <ul className="columns is-multiline" aria-label={`Photos ${result.model} got wrong`}>
        {photos.slice(0, shown).map((photo) => (
          <ErrorPhoto key={photo.image_id} photo={photo} reviewable={reviewable} />
        ))}
      </ul>
      {photos.length > shown && (
        <button type="button" className="button is-small" onClick={() => setShown(shown + PAGE)}>
          Show {Math.min(PAGE, photos.length - shown)} more of {photos.length - shown}
        </button>
      )}
    </section>
  );
}
