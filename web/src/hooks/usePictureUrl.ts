import { useEffect, useState } from "react";
import { drawTiff, isTiffBlob } from "../lib/tiff";

/**
 * An object URL an <img> can show for a photo's bytes: the bytes themselves, or, for a TIFF (which
 * Chromium cannot draw), its first page drawn as a PNG. Null until it is ready, or when the TIFF
 * cannot be drawn. The URL is revoked when the bytes change or the component goes.
 */
export function usePictureUrl(bytes: Blob | null | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!bytes) return;
    let current: string | null = null;
    let gone = false;
    const show = (made: string) => {
      if (gone) URL.revokeObjectURL(made);
      else setUrl((current = made));
    };
    isTiffBlob(bytes)
      .then((tiff) => (tiff ? drawTiff(bytes).then((drawn) => drawn.url) : URL.createObjectURL(bytes)))
      .then(show, () => {
        if (!gone) setUrl(null);
      });
    return () => {
      gone = true;
      setUrl(null);
      if (current) URL.revokeObjectURL(current);
    };
  }, [bytes]);
  return url;
}
