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
      <div className="control">
        <div className="tags has-addons">
          <span className="tag is-dark">inference</span>
          <span className="tag is-success is-light">{formatMs(result.timing_ms.inference)}</span>
        </div>
      </div>
      <div className="control">
        <div className="tags has-addons" title="Decoding, inference and post-processing on the server">
          <span className="tag is-dark">server</span>
          <span className="tag is-light">{formatMs(result.timing_ms.total)}</span>
        </div>
      </div>
      <div className="control">
        <div className="tags has-addons" title="Upload, server and download, measured in this page">
          <span className="tag is-dark">round trip</span>
          <span className="tag is-light">{formatMs(roundTripMs)}</span>
        </div>
      </div>
    </div>
  );
}
