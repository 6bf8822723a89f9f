import { useState } from "react";
import { deleteImage, toApiError, type ApiError } from "../../api/client";
import { AdminKeyField, AdminKeyProblem } from "../common/AdminKeyField";

const DELETE_ACTION = "delete photos";

interface Props {
  imageId: number;
  /** What the photo is called on its card, so the question names it. */
  name: string;
  /** Called once the server has deleted it. */
  onDeleted: () => void;
}

/** Delete one stored photo: asks first, with the admin key the server wants; a refusal is said beside the button. */
export function DeletePhoto({ imageId, name, onDeleted }: Props) {
  const [asking, setAsking] = useState(false);
  const [adminKey, setAdminKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const problemId = `delete-problem-${imageId}`;

  if (!asking) {
    return (
      <button type="button" className="button is-small is-danger is-light" onClick={() => setAsking(true)}>
        Delete
      </button>
    );
  }
  return (
    <form
      className="is-flex-grow-1"
      aria-label={`Delete photo #${imageId}`}
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        deleteImage(imageId, adminKey).then(onDeleted, (cause: unknown) => {
          setError(toApiError(cause));
          setBusy(false);
        });
      }}
    >
      <p className="is-size-7 mb-2">
        Delete {name} (#{imageId}) with its predictions and reviews? This cannot be undone.
      </p>
      <div className="field">
        <div className="control">
          <AdminKeyField value={adminKey} onChange={setAdminKey} error={error} problemId={problemId} />
        </div>
      </div>
      <div className="buttons mb-1">
        <button type="submit" className={`button is-small is-danger ${busy ? "is-loading" : ""}`} disabled={!adminKey}>
          Delete for good
        </button>
        <button type="button" className="button is-small" onClick={() => {
            setAsking(false);
            setError(null);
          }}>
          Cancel
        </button>
      </div>
      <AdminKeyProblem error={error} problemId={problemId} action={DELETE_ACTION} />
    </form>
  );
}
