/** Importing a dataset from a zip archive and downloading one as a zip, with the outcome of each for the page. */
import { useState } from "react";
import { exportDataset, importDataset, type DatasetFormat } from "../api/client";
import type { DatasetImport } from "../api/types";
import { useActions } from "./useActions";

export function useDatasetTransfer() {
  const { busy, error, run } = useActions<"import" | "export">();
  const [imported, setImported] = useState<DatasetImport | null>(null);

  return {
    busy,
    error,
    imported,
    importArchive: async (archive: File, name: string, format?: DatasetFormat): Promise<DatasetImport | null> => {
      setImported(null);
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
