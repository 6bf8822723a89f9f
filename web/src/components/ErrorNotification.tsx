import type { ApiError } from "../api";

interface Props {
  /** What the user was doing, e.g. "Detection failed". */
  title: string;
  error: ApiError | Error;
  onClose?: () => void;
  onRetry?: () => void;
  /** Bulma colour: danger for server failures, warning for a photo refused in the page. */
  tone?: "danger" | "warning";
}

/** A failure shown where the user looks, with the server's own message and the request id to quote. */
export function ErrorNotification({ title, error, onClose, onRetry, tone = "danger" }: Props) {
  const status = "status" in error ? error.status : null;
  const requestId = "requestId" in error ? error.requestId : null;
  return (
    <div className={`notification is-${tone} is-light`} role="alert">
      {onClose && <button type="button" className="delete" aria-label="Dismiss" onClick={onClose} />}
      <p className="has-text-weight-semibold">{title}</p>
      <p>{error.message}</p>
      {(status !== null || requestId) && (
        <p className="is-size-7 mt-1">
          {status !== null && <>HTTP {status}</>}
          {status !== null && requestId && " · "}
          {requestId && <>request id <code>{requestId}</code></>}
        </p>
      )}
      {onRetry && (
        <button type="button" className={`button is-small is-${tone} mt-2`} onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
