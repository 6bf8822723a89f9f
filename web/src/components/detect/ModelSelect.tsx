import type { ModelInfo } from "../../api/types";

interface Props {
  /** null while the list is loading or when it could not be fetched. */
  models: readonly ModelInfo[] | null;
  value: string | null;
  defaultModel: string | null;
  onChange: (name: string) => void;
  loading: boolean;
}

/** Which detector to run, from the server's list of models. */
export function ModelSelect({ models, value, defaultModel, onChange, loading }: Props) {
  const selected = models?.find((m) => m.name === value);
  return (
    <div className="field">
      <label className="label" htmlFor="model-select">
        Model
      </label>
      <div className="control is-expanded">
        <div className={`select is-fullwidth ${loading ? "is-loading" : ""}`}>
          <select
            id="model-select"
            value={value ?? ""}
            disabled={!models || models.length === 0}
            onChange={(event) => onChange(event.target.value)}
          >
            {!models && <option value="">{loading ? "Loading models…" : "Server default"}</option>}
            {models?.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
                {m.name === defaultModel ? " (default)" : ""}
              </option>
            ))}
          </select>
        </div>
      </div>
      {selected && (
        <p className="help" data-testid="model-help">
          {selected.description ? `${selected.description}. ` : ""}
          {selected.version ? `Version ${selected.version}. ` : ""}
          {selected.input_size
            ? `Sees photos at ${selected.input_size[0]}×${selected.input_size[1]}; the server resizes yours.`
            : "Works at the photo's own size."}{" "}
          {selected.classes.length} classes{selected.license ? ` · weights licence ${selected.license}` : ""}.
        </p>
      )}
    </div>
  );
}
