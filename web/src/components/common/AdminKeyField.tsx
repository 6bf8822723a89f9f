import type { ApiError } from "../../api/client";

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** Why the server refused the last try, said in plain words next to the field; null when it did not. */
  error: ApiError | null;
  /** The id of the refusal's text, unique on the page. */
  problemId: string;
  /** What the key is for, in the refusal's words: "change its default model", "delete photos". */
  action: string;
}

/** The server's refusal in the words of someone holding the form, not of HTTP headers. */
export function adminKeyProblem(error: ApiError, action: string): string {
  if (error.code === "forbidden") return "That admin key was refused. Check it and try again.";
  if (error.code === "admin_disabled") return `This server has no admin key set, so nobody can ${action} from here.`;
  return error.message;
}

/** The admin key a write asks for, sent with that request only and never kept in the browser. */
export function AdminKeyField({ value, onChange, error, problemId }: Omit<Props, "action">) {
  return (
    <input
      className="input"
      type="password"
      autoComplete="off"
      placeholder="Admin key"
      aria-label="Admin key"
      aria-invalid={error?.code === "forbidden" || undefined}
      aria-describedby={error ? problemId : undefined}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

/** The refusal, beside the button that was refused. */
export function AdminKeyProblem({ error, problemId, action }: Pick<Props, "error" | "problemId" | "action">) {
  if (!error) return null;
  return (
    <p className="help is-danger is-size-6" id={problemId} role="alert">
      {adminKeyProblem(error, action)}
    </p>
  );
}
