import { useId, useState } from "react";
import { DATASET_FORMATS, type ApiError, type DatasetFormat } from "../../api/client";
import type { Dataset } from "../../api/types";
import type { useDatasetTransfer } from "../../hooks/useDatasetTransfer";
import { NameOptions } from "../common/NameOptions";

const FORMAT_NAMES: Record<DatasetFormat, string> = {
  coco: "COCO (annotations.json + images/)",
  yolo: "Ultralytics YOLO (data.yaml + images/ + labels/)",
  voc: "Pascal VOC (Annotations/ + JPEGImages/)",
};

interface Props {
  datasets: Dataset[];
  transfer: ReturnType<typeof useDatasetTransfer>;
  /** Called once an import is stored, so the lists that name datasets load again. */
  onImported: (name: string) => void;
}

/** What went wrong with an import, in the words of someone holding the form. */
export function importProblem(error: ApiError): string {
  if (error.code === "invalid_dataset") return `That archive was not imported, and nothing was stored: ${error.message}.`;
  if (error.code === "dataset_exists") return "A dataset of that name already exists. Choose another name.";
  if (error.code === "body_too_large") return `That archive is too large for this server: ${error.message}.`;
  return error.message;
}

function nameOf(file: File): string {
  return file.name.replace(/\.zip$/i, "");
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e6 ? 2 : 1)} MB`;
}

/** The datasets there are, importing one from a zip archive, and downloading one as a zip. */
export function DatasetsPanel({ datasets, transfer, onImported }: Props) {
  const ids = useId();
  const [archive, setArchive] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [importFormat, setImportFormat] = useState<DatasetFormat | "">("");
  const [exported, setExported] = useState(datasets[0]?.name ?? "");
  const [exportFormat, setExportFormat] = useState<DatasetFormat>("coco");
  const importError = transfer.error?.action === "import" ? transfer.error.error : null;
  const exportError = transfer.error?.action === "export" ? transfer.error.error : null;
  const exportName = datasets.some((d) => d.name === exported) ? exported : (datasets[0]?.name ?? "");
  const importing = transfer.busy === "import";

  return (
    <section className="box" aria-labelledby={`${ids}-title`} data-testid="datasets">
      <h2 className="title is-6" id={`${ids}-title`}>
        Datasets
      </h2>
      <div className="table-container">
        <table className="table is-fullwidth is-narrow" aria-label="Datasets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="has-text-right">
                Photos
              </th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.name}>
                <td style={{ overflowWrap: "anywhere" }}>{d.name === "reviewed" ? "reviewed (your reviewed photos)" : d.name}</td>
                <td className="has-text-right">{d.images}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <form
        aria-label="Import a dataset"
        className="mb-5"
        onSubmit={(event) => {
          event.preventDefault();
          if (!archive) return;
          void transfer.importArchive(archive, name.trim() || nameOf(archive), importFormat || undefined).then((answer) => {
            if (answer) onImported(answer.name);
          });
        }}
      >
        <h3 className="title is-6 mb-2">Import</h3>
        <div className="field">
          <label className="label is-small" htmlFor={`${ids}-archive`}>
            Zip archive
          </label>
          <input
            id={`${ids}-archive`}
            className="input is-small"
            type="file"
            accept=".zip,application/zip"
            aria-describedby={importError ? `${ids}-import-problem` : undefined}
            onChange={(event) => {
              const file = event.target.files?.[0] ?? null;
              setArchive(file);
              if (file && !name) setName(nameOf(file));
            }}
          />
        </div>
        <div className="field">
          <label className="label is-small" htmlFor={`${ids}-name`}>
            Name
          </label>
          <input
            id={`${ids}-name`}
            className="input is-small"
            maxLength={100}
            value={name}
            placeholder="the archive's file name"
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <div className="field">
          <label className="label is-small" htmlFor={`${ids}-import-format`}>
            Format
          </label>
          <div className="select is-small is-fullwidth">
            <select
              id={`${ids}-import-format`}
              value={importFormat}
              onChange={(event) => setImportFormat(event.target.value as DatasetFormat | "")}
            >
              <option value="">Detect from the files</option>
              <NameOptions names={DATASET_FORMATS} label={(format) => FORMAT_NAMES[format]} />
            </select>
          </div>
        </div>
        <button type="submit" className={`button is-small is-link ${importing ? "is-loading" : ""}`} disabled={!archive || importing}>
          Import
        </button>
        {importing && archive && (
          <div role="status" aria-live="polite" className="mt-2">
            <progress className="progress is-small is-link" aria-label="Import progress" />
            <p className="is-size-7">
              Sending {archive.name} ({megabytes(archive.size)}); the server checks every photo and box before storing any.
            </p>
          </div>
        )}
        {importError && (
          <p className="help is-danger" id={`${ids}-import-problem`} role="alert" data-testid="import-problem">
            {importProblem(importError)}
          </p>
        )}
        {transfer.imported && !importing && (
          <p className="help is-success" role="status" data-testid="import-done">
            Imported {transfer.imported.name}: {transfer.imported.images} {transfer.imported.images === 1 ? "photo" : "photos"},{" "}
            {transfer.imported.boxes} {transfer.imported.boxes === 1 ? "box" : "boxes"} ({transfer.imported.format.toUpperCase()}).
          </p>
        )}
      </form>

      <form
        aria-label="Export a dataset"
        onSubmit={(event) => {
          event.preventDefault();
          if (exportName) void transfer.download(exportName, exportFormat);
        }}
      >
        <h3 className="title is-6 mb-2">Export</h3>
        <div className="field">
          <label className="label is-small" htmlFor={`${ids}-export-dataset`}>
            Dataset
          </label>
          <div className="select is-small is-fullwidth">
            <select id={`${ids}-export-dataset`} value={exportName} onChange={(event) => setExported(event.target.value)}>
              <NameOptions names={datasets.map((d) => d.name)} />
            </select>
          </div>
        </div>
        <div className="field">
          <label className="label is-small" htmlFor={`${ids}-export-format`}>
            Format
          </label>
          <div className="select is-small is-fullwidth">
            <select
              id={`${ids}-export-format`}
              value={exportFormat}
              onChange={(event) => setExportFormat(event.target.value as DatasetFormat)}
            >
              <NameOptions names={DATASET_FORMATS} label={(format) => FORMAT_NAMES[format]} />
            </select>
          </div>
        </div>
        <button
          type="submit"
          className={`button is-small ${transfer.busy === "export" ? "is-loading" : ""}`}
          disabled={!exportName || transfer.busy === "export"}
        >
          Download zip
        </button>
        {exportError && (
          <p className="help is-danger" role="alert" data-testid="export-problem">
            {exportError.code === "empty_dataset" ? "That dataset has no photos yet, so there is nothing to export." : exportError.message}
          </p>
        )}
      </form>
    </section>
  );
}
