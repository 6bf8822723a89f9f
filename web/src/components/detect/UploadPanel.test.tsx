import { createEvent, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { UploadPanel } from "./UploadPanel";

function renderPanel() {
  const onFile = vi.fn();
  const onReject = vi.fn();
  render(
    <>
      <input type="text" aria-label="Some text field" />
      <UploadPanel onFile={onFile} onReject={onReject} modelInput={[416, 416]} />
    </>,
  );
  return { onFile, onReject };
}

function transfer(files: File[]): DataTransfer {
  return {
    files: Object.assign([...files], { item: (i: number) => files[i] }) as unknown as FileList,
    items: files.map((file) => ({ kind: "file", type: file.type, getAsFile: () => file })),
    types: ["Files"],
    dropEffect: "none",
  } as unknown as DataTransfer;
}

function paste(target: Element | Document, data: DataTransfer) {
  const event = createEvent.paste(target);
  Object.defineProperty(event, "clipboardData", { value: data });
  fireEvent(target, event);
}

const photo = new File([new Uint8Array(100)], "dog.jpg", { type: "image/jpeg" });

describe("UploadPanel", () => {
  it("says which photos it takes and that the server resizes them to the model's input", () => {
    renderPanel();
    expect(screen.getByText(/JPEG, PNG, WebP, GIF, BMP or TIFF, up to 20 MB/)).toHaveTextContent("416×416 input");
  });

  it("takes a photo dropped onto it", () => {
    const { onFile } = renderPanel();
    const panel = screen.getByTestId("upload-panel");
    fireEvent.dragOver(panel, { dataTransfer: transfer([photo]) });
    expect(panel).toHaveClass("is-dragging");
    fireEvent.drop(panel, { dataTransfer: transfer([photo]) });
    expect(onFile).toHaveBeenCalledWith(photo);
    expect(panel).not.toHaveClass("is-dragging");
  });

  it.each([
    ["image/tiff", "scan.tif"],
    ["", "scan.tiff"],
  ])("takes a dropped TIFF photo (type %j, %s), which the API reads too", (type, name) => {
    const { onFile, onReject } = renderPanel();
    const tiff = new File([new Uint8Array([0x49, 0x49, 42, 0])], name, { type });
    fireEvent.drop(screen.getByTestId("upload-panel"), { dataTransfer: transfer([tiff]) });
    expect(onReject).not.toHaveBeenCalled();
    expect(onFile).toHaveBeenCalledWith(tiff);
  });

  it("offers TIFF in the file picker", () => {
    renderPanel();
    expect(screen.getByLabelText("Choose a photo")).toHaveAttribute("accept", expect.stringContaining("image/tiff"));
  });

  it("refuses a dropped file that is not a photo, saying why", () => {
    const { onFile, onReject } = renderPanel();
    const pdf = new File(["%PDF"], "report.pdf", { type: "application/pdf" });
    fireEvent.drop(screen.getByTestId("upload-panel"), { dataTransfer: transfer([pdf]) });
    expect(onFile).not.toHaveBeenCalled();
    expect(onReject).toHaveBeenCalledWith("“report.pdf” is not a photo this page can send (application/pdf). Choose a JPEG, PNG, WebP, GIF, BMP or TIFF photo.");
  });

  it("takes a photo pasted anywhere on the page, but leaves pastes into text fields alone", () => {
    const { onFile } = renderPanel();
    paste(screen.getByLabelText("Some text field"), transfer([photo]));
    expect(onFile).not.toHaveBeenCalled();
    paste(document.body, transfer([photo]));
    expect(onFile).toHaveBeenCalledWith(photo);
  });

  it("leaves pastes alone while its screen is not shown", () => {
    const onFile = vi.fn();
    render(<UploadPanel onFile={onFile} onReject={vi.fn()} takesPaste={false} />);
    paste(document.body, transfer([photo]));
    expect(onFile).not.toHaveBeenCalled();
  });

  it("ignores a paste with no file in it", () => {
    const { onFile, onReject } = renderPanel();
    paste(document.body, transfer([]));
    expect(onFile).not.toHaveBeenCalled();
    expect(onReject).not.toHaveBeenCalled();
  });
});
