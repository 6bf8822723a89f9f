/** Importing a dataset from a zip archive and downloading one as a zip, with the outcome of each for the page. */
import { useState } from "react";
import { exportDataset, importDataset, toApiError, type ApiError, type DatasetFormat } from "../api/client";
import type { DatasetImport } from "../api/types";

type Action = "import" | "export";

export function useDatasetTransfer() {
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState<{ action: Action; error: ApiError } | null>(null);
  const [imported, setImported] = useState<DatasetImport | null>(null);

  const run = async <T,>(action: Action, call: () => Promise<T>): Promise<T | null> => {
    setBusy(action);
    setError(null);
    if (action === "import") setImported(null);
    try {
      return await call();
    } catch (cause) {
      setError({ action, error: toApiError(cause) });
      return null;
    } finally {
      setBusy(null);
    }
  };

  return {
    busy,
    error,
    imported,
    importArchive: async (archive: File, name: string, format?: DatasetFormat): Promise<DatasetImport | null> => {
      const answer = await run("import", () => importDataset(archive, name, format));
      setImported(answer);
      return answer;
    },
    /** Download the zip: the browser saves it under the server's file name. */
    download: (name: string, format: DatasetFormat) =>
      run("export", async () => {
        const { archive, fileName } = await exportDataset(name, format);
        const url = URL.createObjectURL(archive);
        const link = document.createElement("a");
        link.href = url;
        link.download = fileName;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 60_000); // the download reads it after this returns
      }),
  };
}
