import type { DetectResult } from "../../api/types";
import { formatMs } from "../../lib/format";

interface Props {
  result: DetectResult;
  /** Measured in the page: upload, server work and download together. */
  roundTripMs: number;
}

/** Which model answered and how long it took. */
export function InferenceTime({ result, roundTripMs }: Props) {
  return (
    <div className="field is-grouped is-grouped-multiline" data-testid="inference-time">
      <div className="control">
        <div className="tags has-addons">
          <span className="tag is-dark">model</span>
          <span className="tag is-info is-light">
            {result.model.name}
            {result.model.version ? ` ${result.model.version}` : ""}
          </span>
        </div>
      </div>
      {[
        { name: "inference", ms: result.timing_ms.inference, tone: "is-success is-light" },
        { name: "server", ms: result.timing_ms.total, tone: "is-light", title: "Decoding, inference and post-processing on the server" },
        { name: "round trip", ms: roundTripMs, tone: "is-light", title: "Upload, server and download, measured in this page" },
      ].map(({ name, ms, tone, title }) => (
        <div key={name} className="control">
          <div className="tags has-addons" title={title}>
            <span className="tag is-dark">{name}</span>
            <span className={`tag ${tone}`}>{formatMs(ms)}</span>
          </div>
        </div>
      ))}
    </div>
  );
}
