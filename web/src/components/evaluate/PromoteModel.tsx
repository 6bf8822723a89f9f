import { useState } from "react";
import type { ApiError } from "../../api/client";
import type { Evaluation } from "../../api/types";
import { AdminKeyField, AdminKeyProblem } from "../common/AdminKeyField";
import { NameOptions } from "../common/NameOptions";

const PROMOTE_ACTION = "change its default model";

interface Props {
  evaluation: Evaluation;
  defaultModel: string | null;
  busy: boolean;
  /** Why the last try to promote failed, shown beside the button. */
  error: ApiError | null;
  /** useOperatingPoint: also make the model's operating point its score threshold. */
  onPromote: (model: string, adminKey: string, useOperatingPoint: boolean) => void;
}

/** Make the better model the server's default; the server asks for its admin key. */
export function PromoteModel({ evaluation, defaultModel, busy, error, onPromote }: Props) {
  const models = evaluation.results.map((r) => r.model);
  const [model, setModel] = useState(evaluation.recommended_model ?? models[0] ?? "");
  const [adminKey, setAdminKey] = useState("");
  const [useOperatingPoint, setUseOperatingPoint] = useState(false);
  const recommended = evaluation.recommended_model;
  const point = evaluation.results.find((r) => r.model === model)?.operating_point;

  return (
    <form
      className="box promote-model"
      aria-label="Make a model the default"
      onSubmit={(event) => {
        event.preventDefault();
        onPromote(model, adminKey, useOperatingPoint && Boolean(point));
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
              <NameOptions names={models} />
            </select>
          </div>
        </div>
        <div className="control">
          <AdminKeyField value={adminKey} onChange={setAdminKey} error={error} problemId="promote-problem" />
        </div>
        <div className="control">
          <button
            type="submit"
            className={`button is-primary ${busy ? "is-loading" : ""}`}
            disabled={!model || (model === defaultModel && !(useOperatingPoint && point))}
          >
            {model && model === defaultModel && useOperatingPoint && point
              ? `Set ${model}'s score threshold`
              : `Make ${model || "it"} the default`}
          </button>
        </div>
      </div>
      <AdminKeyProblem error={error} problemId="promote-problem" action={PROMOTE_ACTION} />
      {point && (
        <label className="checkbox is-block mb-2">
          <input
            type="checkbox"
            className="mr-2"
            checked={useOperatingPoint}
            onChange={(event) => setUseOperatingPoint(event.target.checked)}
          />
          Also make its operating point, {point.score_threshold.toFixed(3)}, its score threshold for requests that give none
        </label>
      )}
      <p className="help">
        The key is sent with this request only and not kept. Restarting the server keeps the choice. The Detect page
        always asks for every box above 5% and filters with its own slider.
      </p>
    </form>
  );
}
