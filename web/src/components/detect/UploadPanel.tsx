import { useEffect, useRef, useState, type DragEvent, type ReactNode } from "react";
import type { ModelInfo } from "../../api/types";
import { formatBytes } from "../../lib/format";
import { ACCEPT_ATTRIBUTE, checkPhotoFile, FORMAT_NAMES, MAX_UPLOAD_BYTES } from "../../lib/photoFile";

interface Props {
  /** Called with a file that passed the page's type and size checks. */
  onFile: (file: File) => void;
  /** Called with every file when several are chosen or dropped at once (each is checked on its own). */
  onFiles?: (files: File[]) => void;
  /** Called with the reason a chosen file was refused. */
  onReject: (message: string) => void;
  /** [width, height] the selected model works at, to tell the user any photo size is fine. */
  modelInput?: ModelInfo["input_size"];
  /** The current photo; the whole area stays a drop target around it. */
  children?: ReactNode;
  /** Whether a paste anywhere on the page is taken as a photo; off while another screen shows. */
  takesPaste?: boolean;
  /** Offered while no photo is chosen, e.g. the sample photos. */
  extra?: ReactNode;
  /** Offered beside the picker while a photo (or anything else) is shown, e.g. the camera. */
  actions?: ReactNode;
}

/** Where a photo comes in: file picker, drag and drop onto the area, or paste anywhere on the page. */
export function UploadPanel({ onFile, onFiles, onReject, modelInput, children, takesPaste = true, extra, actions }: Props) {
  const [dragging, setDragging] = useState(false);
  // The paste listener lives on the window; refs keep it from being re-added on every render.
  const handlers = useRef({ onFile, onReject });
  handlers.current = { onFile, onReject };

  useEffect(() => {
    if (!takesPaste) return;
    const onPaste = (event: ClipboardEvent) => {
      if (isTextField(event.target)) return;
      const file = firstFile(event.clipboardData);
      if (!file) return;
      event.preventDefault();
      accept(file, handlers.current);
    };
    window.addEventListener("paste", onPaste);
    return () => window.removeEventListener("paste", onPaste);
  }, [takesPaste]);

  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setDragging(true);
  };
  const onDragLeave = (event: DragEvent) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = Array.from(event.dataTransfer.files);
    if (files.length > 1 && onFiles) {
      onFiles(files);
      return;
    }
    const file = firstFile(event.dataTransfer);
    if (file) accept(file, handlers.current);
    else onReject("Nothing usable was dropped. Drop a photo file from your computer.");
  };

  const picker = (
    <div className={`file is-primary ${children ? "is-small" : "is-medium"} is-inline-flex`}>
      <label className="file-label">
        <input
          className="file-input"
          type="file"
          accept={ACCEPT_ATTRIBUTE}
          multiple={onFiles !== undefined}
          aria-label={children ? "Choose another photo" : "Choose a photo"}
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            // Cleared so that choosing the same file again is noticed.
            event.target.value = "";
            if (files.length > 1 && onFiles) onFiles(files);
            else if (files[0]) accept(files[0], handlers.current);
          }}
        />
        <span className="file-cta">
          <span className="file-label">{children ? "Choose another photo…" : "Choose a photo…"}</span>
        </span>
      </label>
    </div>
  );

  return (
    <div
      className={`upload-panel box ${dragging ? "is-dragging" : ""} ${children ? "has-photo" : ""}`}
      data-testid="upload-panel"
      onDragOver={onDragOver}
      onDragEnter={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      {children ? (
        <>
          <div className="is-flex is-align-items-center is-justify-content-space-between mb-3 is-flex-wrap-wrap">
            <div className="is-flex is-align-items-center is-flex-wrap-wrap">
              {picker}
              {actions}
            </div>
            <span className="is-size-7 has-text-grey">or drop or paste another photo</span>
          </div>
          {children}
        </>
      ) : (
        <div className="has-text-centered py-6">
          <p className="title is-5">Drop a photo here, or paste one</p>
          <div className="my-4">{picker}</div>
          <p className="has-text-grey is-size-7">
            {FORMAT_NAMES}, up to {formatBytes(MAX_UPLOAD_BYTES)}. Any size and shape works
            {modelInput ? `: the server resizes it to the model's ${modelInput[0]}×${modelInput[1]} input` : ""}.
          </p>
          {onFiles && (
            <p className="has-text-grey is-size-7 mt-1">Choose or drop several photos to see them all in a grid.</p>
          )}
          <p className="has-text-grey is-size-7 mt-1">
            The photo is kept only in this page; the server forgets it unless “Keep for review” is on.
          </p>
          {extra}
        </div>
      )}
      {dragging && (
        <div className="drop-hint has-text-weight-semibold" aria-hidden="true">
          Drop to detect objects
        </div>
      )}
    </div>
  );
}

function accept(file: File, handlers: Pick<Props, "onFile" | "onReject">) {
  const problem = checkPhotoFile(file);
  if (problem) handlers.onReject(problem);
  else handlers.onFile(file);
}

function firstFile(data: DataTransfer | null): File | null {
  if (!data) return null;
  if (data.files.length > 0) return data.files[0];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind === "file") return item.getAsFile();
  }
  return null;
}

function isTextField(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type === "text"))
  );
}
