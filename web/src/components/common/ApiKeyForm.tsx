import { useState } from "react";
import { saveApiKey } from "../../lib/apiKey";

interface Props {
  /** The button's words, e.g. "Save and try again". */
  submitLabel: string;
  /** Called once the key is saved. */
  onSaved?: () => void;
  autoFocus?: boolean;
}

/** A field for the server's API key; saving keeps it in this browser and sends it from then on. */
export function ApiKeyForm({ submitLabel, onSaved, autoFocus = false }: Props) {
  const [key, setKey] = useState("");
  const trimmed = key.trim();

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (!trimmed) return;
        saveApiKey(trimmed);
        setKey("");
        onSaved?.();
      }}
    >
      <div className="field has-addons">
        <div className="control is-expanded">
          <input
            className="input is-small"
            type="password"
            autoComplete="off"
            placeholder="API key"
            aria-label="API key"
            autoFocus={autoFocus}
            value={key}
            onChange={(event) => setKey(event.target.value)}
          />
        </div>
        <div className="control">
          <button type="submit" className="button is-small is-primary" disabled={!trimmed}>
            {submitLabel}
          </button>
        </div>
      </div>
    </form>
  );
}
