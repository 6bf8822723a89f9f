/** Checks on a chosen photo made in the page, before anything is sent to the server. */
import { formatBytes } from "./format";

const FORMATS: Record<string, string> = {
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "image/webp": "WebP",
  "image/gif": "GIF",
  "image/bmp": "BMP",
};
const EXTENSIONS: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  bmp: "image/bmp",
};

export const ACCEPT_ATTRIBUTE = Object.keys(FORMATS).join(",");
export const FORMAT_NAMES = "JPEG, PNG, WebP, GIF or BMP";
/**
 * The server's default request limit (SIGHTLINE_MAX_BODY_BYTES, 20 MB) less room for the multipart
 * headers and parameters, so a photo the server would refuse is refused here with a clearer reason.
 */
export const MAX_UPLOAD_BYTES = 20_000_000 - 16_000;
/** The server refuses larger images before decoding them (SIGHTLINE_MAX_PIXELS). */
export const MAX_PIXELS = 50_000_000;

export interface Photo {
  file: File;
  /** Object URL of the file; revoke it when the photo is replaced. */
  url: string;
  width: number;
  height: number;
}

function mediaType(file: File): string {
  if (file.type) return file.type;
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  return EXTENSIONS[extension] ?? "";
}

/** Why `file` cannot be sent, in words for the user; null when it can. */
export function checkPhotoFile(file: File): string | null {
  const type = mediaType(file);
  if (!(type in FORMATS)) {
    return `“${file.name}” is not a photo this page can send (${type || "unknown type"}). Choose a ${FORMAT_NAMES} photo.`;
  }
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > MAX_UPLOAD_BYTES) {
    return `“${file.name}” is ${formatBytes(file.size)}; photos up to ${formatBytes(MAX_UPLOAD_BYTES)} are accepted.`;
  }
  return null;
}

/** Decode `file` in the browser to learn its size; rejects with a message when it is not a readable image. */
export function loadPhoto(file: File): Promise<Photo> {
  const url = URL.createObjectURL(file);
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const { naturalWidth: width, naturalHeight: height } = image;
      if (width * height > MAX_PIXELS) {
        URL.revokeObjectURL(url);
        const megapixels = Math.round((width * height) / 1e6);
        reject(new Error(`“${file.name}” is ${width}×${height} (${megapixels} megapixels); the limit is ${MAX_PIXELS / 1e6}.`));
        return;
      }
      resolve({ file, url, width, height });
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error(`“${file.name}” could not be read as an image; the file may be damaged.`));
    };
    image.src = url;
  });
}
