import { isApiKeyRefused, type ApiError } from "../../api/client";
import { useApiKey } from "../../hooks/useApiKey";
import { ApiKeyForm } from "./ApiKeyForm";

interface Props {
  /** What the user was doing, e.g. "Detection failed". */
  title: string;
  error: ApiError | Error;
  onClose?: () => void;
  onRetry?: () => void;
  /** Bulma colour: danger for server failures, warning for a photo refused in the page. */
  tone?: "danger" | "warning";
}

/**
 * A failure shown where the user looks, with the server's own message and the request id to quote.
 * A request refused for want of the API key comes with a field for the key, which retries once saved.
 */
export function ErrorNotification({ title, error, onClose, onRetry, tone = "danger" }: Props) {
  const status = "status" in error ? error.status : null;
  const requestId = "requestId" in error ? error.requestId : null;
  const keyRefused = "status" in error && isApiKeyRefused(error);
  const savedKey = useApiKey();
  // Asking again for something that is not there gets the same answer.
  const retry = status === 404 ? undefined : onRetry;
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
      {keyRefused && (
        <div className="mt-3">
          <ApiKeyForm submitLabel={retry ? "Save and try again" : "Save the key"} onSaved={retry ?? onClose} />
          <p className="help">This browser keeps the key until you forget it under “API key” at the top.</p>
        </div>
      )}
      {/* Without a key there is nothing to retry with; one saved elsewhere on the page may do. */}
      {retry && (!keyRefused || savedKey) && (
        <button type="button" className={`button is-small is-${tone} mt-2`} onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
