import { useEffect } from "react";
import { useApiKey } from "../../hooks/useApiKey";
import { forgetApiKey } from "../../lib/apiKey";
import { ApiKeyForm } from "./ApiKeyForm";

/** The API key this browser sends: enter it before the server asks, change it, or forget it. */
export function ApiKeyModal({ onClose }: { onClose: () => void }) {
  const savedKey = useApiKey();

  useEffect(() => {
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", closeOnEscape);
    return () => window.removeEventListener("keydown", closeOnEscape);
  }, [onClose]);

  return (
    <div className="modal is-active" role="dialog" aria-modal="true" aria-labelledby="api-key-title">
      <div className="modal-background" onClick={onClose} />
      <div className="modal-content">
        <div className="box">
          <h2 className="title is-5" id="api-key-title">
            API key
          </h2>
          <p className="mb-3" data-testid="api-key-state">
            {savedKey
              ? "This browser sends a saved key with every request."
              : "No key saved. Only a server started with API keys needs one; the page asks when it does."}
          </p>
          <ApiKeyForm submitLabel={savedKey ? "Change the key" : "Save the key"} onSaved={onClose} autoFocus />
          {savedKey && (
            <button type="button" className="button is-small is-danger is-light mt-3" onClick={forgetApiKey}>
              Forget the key
            </button>
          )}
        </div>
      </div>
      <button type="button" className="modal-close is-large" aria-label="Close" onClick={onClose} />
    </div>
  );
}
