import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import type { useDatasetTransfer } from "../../hooks/useDatasetTransfer";
import { DatasetsPanel } from "./DatasetsPanel";

type Transfer = ReturnType<typeof useDatasetTransfer>;

function transfer(overrides: Partial<Transfer> = {}): Transfer {
  return { busy: null, error: null, imported: null, importArchive: vi.fn(), download: vi.fn(), ...overrides };
}

const DATASETS = [
  { name: "reviewed", images: 3 },
  { name: "street", images: 12 },
];

describe("DatasetsPanel", () => {
  it("imports the chosen zip under the file's name and the chosen format", () => {
    const importArchive = vi.fn().mockResolvedValue(null);
    render(<DatasetsPanel datasets={DATASETS} transfer={transfer({ importArchive })} onImported={vi.fn()} />);
    const archive = new File(["zip"], "my street.zip", { type: "application/zip" });
    fireEvent.change(screen.getByLabelText("Zip archive"), { target: { files: [archive] } });
    expect(screen.getByLabelText("Name")).toHaveValue("my street");
    fireEvent.change(screen.getAllByLabelText("Format")[0], { target: { value: "voc" } });
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    expect(importArchive).toHaveBeenCalledWith(archive, "my street", "voc");
  });

  it("shows the server's problem with the archive in plain words under the Import button", () => {
    const error = new ApiError("labels/dog.txt line 2: 3 values", { status: 422, code: "invalid_dataset" });
    render(<DatasetsPanel datasets={DATASETS} transfer={transfer({ error: { action: "import", error } })} onImported={vi.fn()} />);
    expect(screen.getByTestId("import-problem")).toHaveTextContent(
      "That archive was not imported, and nothing was stored: labels/dog.txt line 2: 3 values.",
    );
  });

  it("says a taken name is taken, and downloads the chosen dataset in the chosen format", () => {
    const download = vi.fn();
    const error = new ApiError("a dataset named 'street' already exists", { status: 409, code: "dataset_exists" });
    render(
      <DatasetsPanel datasets={DATASETS} transfer={transfer({ download, error: { action: "import", error } })} onImported={vi.fn()} />,
    );
    expect(screen.getByTestId("import-problem")).toHaveTextContent("A dataset of that name already exists. Choose another name.");
    fireEvent.change(screen.getByLabelText("Dataset"), { target: { value: "street" } });
    fireEvent.change(screen.getAllByLabelText("Format")[1], { target: { value: "yolo" } });
    fireEvent.click(screen.getByRole("button", { name: "Download zip" }));
    expect(download).toHaveBeenCalledWith("street", "yolo");
  });
});
