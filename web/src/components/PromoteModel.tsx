import { useState } from "react";
import type { Evaluation } from "../api";

interface Props {
  evaluation: Evaluation;
  defaultModel: string | null;
  busy: boolean;
  onPromote: (model: string, adminKey: string) => void;
}

/** Make the better model the server's default; the server asks for its admin key. */
export function PromoteModel({ evaluation, defaultModel, busy, onPromote }: Props) {
  const models = evaluation.results.map((r) => r.model);
  const [model, setModel] = useState(evaluation.recommended_model ?? models[0] ?? "");
  const [adminKey, setAdminKey] = useState("");
  const recommended = evaluation.recommended_model;

  return (
    <form
      className="box"
      aria-label="Make a model the default"
      onSubmit={(event) => {
        event.preventDefault();
        onPromote(model, adminKey);
      }}
    >
      <h3 className="title is-6">Default model</h3>
      <p className="mb-3" data-testid="recommendation">
        {recommended ? (
          <>
            Recommended: <strong>{recommended}</strong>
            {recommended === defaultModel ? ", which is already the default." : `; the default is now ${defaultModel ?? "unknown"}.`}
          </>
        ) : (
          "No model is recommended by this evaluation."
        )}
      </p>
      <div className="field is-grouped is-grouped-multiline">
        <div className="control">
          <div className="select">
            <select aria-label="Model to make the default" value={model} onChange={(event) => setModel(event.target.value)}>
              {models.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="control">
          <input
            className="input"
            type="password"
            autoComplete="off"
            placeholder="Admin key"
            aria-label="Admin key"
            value={adminKey}
            onChange={(event) => setAdminKey(event.target.value)}
          />
        </div>
        <div className="control">
          <button type="submit" className={`button is-primary ${busy ? "is-loading" : ""}`} disabled={!model || model === defaultModel}>
            Make {model || "it"} the default
          </button>
        </div>
      </div>
      <p className="help">The key is sent with this request only and not kept. Restarting the server keeps the choice.</p>
    </form>
  );
}
