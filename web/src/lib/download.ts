/** Saving what the page made as a file on the user's machine. */

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers; a few seconds later it is safe.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "holiday photo.jpg" -> "holiday photo". */
export function baseName(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot > 0 ? filename.slice(0, dot) : filename || "photo";
}
