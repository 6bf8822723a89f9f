import { REVIEWED_DATASET, type ImageQuery } from "../api/client";
import { ErrorNotification } from "../components/common/ErrorNotification";
import { Pagination } from "../components/common/Pagination";
import { ReviewStateTag } from "../components/common/ReviewStateTag";
import { StoredPhoto } from "../components/common/StoredPhoto";
import { DeletePhoto } from "../components/history/DeletePhoto";
import { useDatasets, useImages } from "../hooks/useLifecycle";
import { useModels } from "../hooks/useModels";
import { links } from "../hooks/useRoute";
import { SLOW_ANSWER_MS, useTakingLong } from "../hooks/useTakingLong";
import { formatDate, formatScore } from "../lib/format";
import { DEFAULT_MIN_SCORE } from "../lib/review";

export const PHOTOS_PER_PAGE = 12;
/** The address's `source` for every stored photo; without it the screen shows the uploads. */
const ALL_PHOTOS = "all";
// Prefixes a dataset's name in the photos select, so that no name can pass for the "All photos" choice.
const DATASET_CHOICE = "dataset:";

interface Props {
  /** The filters and page, from the address: source=all or dataset, reviewed=true|false, label, model, page. */
  query: URLSearchParams;
}

/** Which photos the address asks for: one imported dataset, all of them (source=all), or else the uploads. */
function photoSource(query: URLSearchParams): Pick<ImageQuery, "source" | "dataset"> {
  const dataset = query.get("dataset");
  if (dataset) return { dataset };
  return query.get("source") === ALL_PHOTOS ? {} : { source: "uploads" };
}

/** What a card says of its photo's boxes at the score the page opens with. */
export function boxCount(count: number | null | undefined): string {
  if (count === null || count === undefined) return "no model run yet";
  return `${count} ${count === 1 ? "box" : "boxes"} at score ≥ ${formatScore(DEFAULT_MIN_SCORE)}`;
}

/** The kept photos (or all, or one imported dataset's), newest first, with their review state; filters and pages. */
export function HistoryScreen({ query }: Props) {
  const page = Math.max(1, Number(query.get("page")) || 1);
  const reviewed = query.get("reviewed");
  const filters: ImageQuery = {
    page,
    perPage: PHOTOS_PER_PAGE,
    reviewed: reviewed === "true" ? true : reviewed === "false" ? false : undefined,
    label: query.get("label") || undefined,
    model: query.get("model") || undefined,
    ...photoSource(query),
    // The score the other screens open with, so a card's count is what Detect and Review would show.
    minScore: DEFAULT_MIN_SCORE,
  };
  const images = useImages(filters);
  const models = useModels();
  const modelList = models.state.data?.models ?? [];
  const classes = [...new Set(modelList.flatMap((m) => m.classes))].sort();
  const datasets = useDatasets();
  // An unknown name from the address stays selectable, so the select shows what the error is about.
  const datasetNames = [
    ...new Set([
      ...(datasets.state.data?.items ?? []).map((d) => d.name).filter((name) => name !== REVIEWED_DATASET),
      ...(filters.dataset ? [filters.dataset] : []),
    ]),
  ];
  const sourceChoice = filters.dataset ? DATASET_CHOICE + filters.dataset : filters.source ? "" : ALL_PHOTOS;
  const narrowed = filters.reviewed !== undefined || Boolean(filters.label || filters.model);

  // Every change of filter goes through the address, so the browser's back button undoes it.
  const go = (changes: Record<string, string | undefined>, keepPage = false) => {
    const next = new URLSearchParams(query);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    if (!keepPage) next.delete("page");
    window.location.hash = links.history(next);
  };
  const chooseSource = (choice: string) =>
    choice.startsWith(DATASET_CHOICE)
      ? go({ source: undefined, dataset: choice.slice(DATASET_CHOICE.length) })
      : go({ source: choice || undefined, dataset: undefined });
  const pageHref = (n: number) => {
    const next = new URLSearchParams(query);
    next.set("page", String(n));
    return links.history(next);
  };

  const data = images.state.data;
  const slow = useTakingLong(images.state.status === "loading" ? images.state : null, SLOW_ANSWER_MS);
  const pageCount = data ? Math.max(1, Math.ceil(data.total / PHOTOS_PER_PAGE)) : 1;

  return (
    <section aria-labelledby="history-title">
      <div className="is-flex is-justify-content-space-between is-align-items-baseline is-flex-wrap-wrap mb-4">
        <h1 className="title is-4 mb-2" id="history-title">
          {filters.dataset ? `Photos of dataset ${filters.dataset}` : filters.source ? "Photos kept for review" : "All stored photos"}
        </h1>
        {data && (
          <p className="has-text-grey" data-testid="history-total">
            {data.total} {data.total === 1 ? "photo" : "photos"}
          </p>
        )}
      </div>

      <form className="box" role="search" aria-label="Filter photos" onSubmit={(event) => event.preventDefault()}>
        <div className="field is-grouped is-grouped-multiline">
          <div className="control">
            <label className="label is-small" htmlFor="filter-source">
              Photos
            </label>
            <div className="select is-small">
              <select id="filter-source" value={sourceChoice} onChange={(event) => chooseSource(event.target.value)}>
                <option value="">Uploads</option>
                <option value={ALL_PHOTOS}>All photos</option>
                {datasetNames.length > 0 && (
                  <optgroup label="Imported datasets">
                    {datasetNames.map((name) => (
                      <option key={name} value={DATASET_CHOICE + name}>
                        {name}
                      </option>
                    ))}
                  </optgroup>
                )}
              </select>
            </div>
          </div>
          <div className="control">
            <label className="label is-small" htmlFor="filter-review">
              Review state
            </label>
            <div className="select is-small">
              <select id="filter-review" value={reviewed ?? ""} onChange={(event) => go({ reviewed: event.target.value })}>
                <option value="">All</option>
                <option value="false">To review</option>
                <option value="true">Reviewed</option>
              </select>
            </div>
          </div>
          <div className="control">
            <label className="label is-small" htmlFor="filter-label">
              Class
            </label>
            <input
              id="filter-label"
              className="input is-small"
              list="filter-label-classes"
              placeholder="any class"
              defaultValue={filters.label ?? ""}
              key={filters.label ?? ""}
              onKeyDown={(event) => {
                if (event.key === "Enter") go({ label: event.currentTarget.value.trim() });
              }}
              // Picking one of the listed classes applies at once; typed text waits for Enter or leaving the field.
              onChange={(event) => {
                if ((event.nativeEvent as InputEvent).inputType === "insertReplacementText") go({ label: event.currentTarget.value.trim() });
              }}
              onBlur={(event) => {
                if (event.currentTarget.value.trim() !== (filters.label ?? "")) go({ label: event.currentTarget.value.trim() });
              }}
            />
            <datalist id="filter-label-classes">
              {classes.map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          </div>
          <div className="control">
            <label className="label is-small" htmlFor="filter-model">
              Model
            </label>
            <div className="select is-small">
              <select id="filter-model" value={filters.model ?? ""} onChange={(event) => go({ model: event.target.value })}>
                <option value="">Any model</option>
                {modelList.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {(narrowed || sourceChoice !== "") && (
            <div className="control is-align-self-flex-end">
              <a className="button is-small is-text" href={links.history()}>
                Clear filters
              </a>
            </div>
          )}
        </div>
      </form>

      {images.state.status === "error" && (
        <ErrorNotification title="Could not load the photos" error={images.state.error} onRetry={images.reload} />
      )}
      {images.state.status === "loading" && !data && <progress className="progress is-small is-primary" aria-label="Loading photos" />}
      {slow && (
        <div className="notification is-warning is-light" role="status" data-testid="slow-server">
          The server is slow to answer. It may be busy; you can wait, or ask again.{" "}
          <button type="button" className="button is-small is-warning ml-2" onClick={images.reload}>
            Retry
          </button>
        </div>
      )}

      {data && data.items.length === 0 && (
        <div className="notification is-light" data-testid="history-empty">
          {narrowed
            ? "No photo matches these filters."
            : filters.dataset
              ? "This dataset has no photos."
              : "No photos kept yet. On the Detect screen, switch on “Keep for review” before choosing a photo."}
        </div>
      )}

      {data && data.items.length > 0 && (
        <div className={`columns is-multiline ${images.state.status === "loading" ? "is-dimmed" : ""}`}>
          {data.items.map((image) => (
            <div key={image.id} className="column is-3-desktop is-4-tablet is-6-mobile">
              <div className="card photo-card" data-testid={`photo-card-${image.id}`}>
                <a className="is-block photo-card-link" href={links.review(image.id)}>
                  <div className="card-image">
                    <figure className="image is-4by3 thumbnail">
                      <StoredPhoto fileUrl={image.file_url} alt={`Photo #${image.id}`} />
                    </figure>
                  </div>
                  <div className="card-content p-3">
                    <div className="is-flex is-justify-content-space-between is-align-items-center mb-1">
                      <span className="has-text-weight-semibold">#{image.id}</span>
                      <ReviewStateTag state={image.review_state} />
                    </div>
                    <p className="is-size-7 has-text-weight-semibold" style={{ overflowWrap: "anywhere" }} data-testid="photo-name">
                      {image.file_name ?? "unnamed photo"}
                    </p>
                    <p className="is-size-7" data-testid="photo-box-count">
                      {boxCount(image.box_count)}
                    </p>
                    <p className="is-size-7 has-text-grey">
                      {formatDate(image.uploaded_at)} · {image.width}×{image.height}
                    </p>
                    <p className="is-size-7 has-text-grey">{image.models.join(", ")}</p>
                  </div>
                </a>
                <footer className="card-footer p-3">
                  <DeletePhoto imageId={image.id} name={image.file_name ?? "this unnamed photo"} onDeleted={images.reload} />
                </footer>
              </div>
            </div>
          ))}
        </div>
      )}
      {data && <Pagination page={page} pageCount={pageCount} href={pageHref} />}
    </section>
  );
}
