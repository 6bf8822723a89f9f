/** Checks on a chosen photo made in the page, before anything is sent to the server. */
import { formatBytes } from "./format";
import { drawTiff, isTiffBlob } from "./tiff";

const FORMATS: Record<string, string> = {
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "image/webp": "WebP",
  "image/gif": "GIF",
  "image/bmp": "BMP",
  "image/tiff": "TIFF",
};
const EXTENSIONS: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  bmp: "image/bmp",
  tif: "image/tiff",
  tiff: "image/tiff",
};

export const ACCEPT_ATTRIBUTE = Object.keys(FORMATS).join(",");
export const FORMAT_NAMES = "JPEG, PNG, WebP, GIF, BMP or TIFF";
/**
 * The server's default request limit (SIGHTLINE_MAX_BODY_BYTES, 20 MB) less room for the multipart
 * headers and parameters, so a photo the server would refuse is refused here with a clearer reason.
 */
export const MAX_UPLOAD_BYTES = 20_000_000 - 16_000;
/** The server refuses larger images before decoding them (SIGHTLINE_MAX_PIXELS). */
export const MAX_PIXELS = 50_000_000;

export interface Photo {
  file: File;
  /**
   * Object URL of what the page shows (the file, an animated GIF's first frame, or a TIFF's first page
   * drawn as PNG); revoke it when the photo is replaced.
   */
  url: string;
  width: number;
  height: number;
  /** An animated GIF, shown as its first frame: the one frame the detector analyses. */
  animated: boolean;
  /** Pages in the file: a TIFF may hold several, and is shown, like the detector sees it, as its first. */
  pageCount: number;
}

/** Whether a GIF's bytes hold more than one frame (more than one image descriptor after a graphic control block). */
export function isAnimatedGif(bytes: Uint8Array): boolean {
  let frames = 0;
  for (let i = 0; i + 3 < bytes.length; i++) {
    // Graphic Control Extension: 0x21 0xF9 0x04, one before each frame of an animation.
    if (bytes[i] === 0x21 && bytes[i + 1] === 0xf9 && bytes[i + 2] === 0x04 && ++frames > 1) return true;
  }
  return false;
}

/** The first frame of `image` as a PNG object URL: canvases draw an animation's first frame. */
async function firstFrameUrl(image: HTMLImageElement): Promise<string> {
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  canvas.getContext("2d")?.drawImage(image, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("The GIF's first frame could not be drawn.");
  return URL.createObjectURL(blob);
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

function checkPixels(file: File, width: number, height: number) {
  if (width * height > MAX_PIXELS) {
    const megapixels = Math.round((width * height) / 1e6);
    throw new Error(`“${file.name}” is ${width}×${height} (${megapixels} megapixels); the limit is ${MAX_PIXELS / 1e6}.`);
  }
}

/** A TIFF, which Chromium cannot draw: its first page, decoded here and shown as a PNG. */
async function loadTiff(file: File): Promise<Photo> {
  const drawn = await drawTiff(file).catch((problem: unknown) => {
    const reason = problem instanceof Error ? problem.message : String(problem);
    throw new Error(`“${file.name}” could not be shown as a TIFF photo: ${reason}.`);
  });
  try {
    checkPixels(file, drawn.width, drawn.height);
  } catch (problem) {
    URL.revokeObjectURL(drawn.url);
    throw problem;
  }
  return { file, url: drawn.url, width: drawn.width, height: drawn.height, animated: false, pageCount: drawn.pageCount };
}

/** Decode `file` in the browser to learn its size; rejects with a message when it is not a readable image. */
export async function loadPhoto(file: File): Promise<Photo> {
  if (await isTiffBlob(file)) return loadTiff(file);
  const url = URL.createObjectURL(file);
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const { naturalWidth: width, naturalHeight: height } = image;
      try {
        checkPixels(file, width, height);
      } catch (problem) {
        URL.revokeObjectURL(url);
        reject(problem as Error);
        return;
      }
      if (mediaType(file) !== "image/gif") {
        resolve({ file, url, width, height, animated: false, pageCount: 1 });
        return;
      }
      file
        .arrayBuffer()
        .then(async (buffer) => {
          if (!isAnimatedGif(new Uint8Array(buffer))) return { file, url, width, height, animated: false, pageCount: 1 };
          const still = await firstFrameUrl(image);
          URL.revokeObjectURL(url);
          return { file, url: still, width, height, animated: true, pageCount: 1 };
        })
        .then(resolve, (problem: unknown) => {
          URL.revokeObjectURL(url);
          reject(problem instanceof Error ? problem : new Error(String(problem)));
        });
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error(`“${file.name}” could not be read as an image; the file may be damaged.`));
    };
    image.src = url;
  });
}
