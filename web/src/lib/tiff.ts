/**
 * TIFF photos decoded in the page, since Chromium's <img> cannot draw them: the first page, turned
 * upright by its orientation tag and flattened onto white, as the server's decoder sees it, so that
 * the API's boxes land on it. The decoder (utif2) is loaded only when a TIFF is met.
 * Why in the page and not on the server: docs/decisions/0008-tiff-in-the-page.md.
 */

/** An upright 8-bit picture: RGBA rows, top to bottom, every pixel opaque. */
export interface TiffPicture {
  width: number;
  height: number;
  pixels: Uint8ClampedArray<ArrayBuffer>;
  /** How many pages (images) the file holds; the server analyses the first, which `pixels` is. */
  pageCount: number;
}

/** Whether `bytes` start as a TIFF file does: "II*\0" (little-endian) or "MM\0*" (big-endian). */
export function isTiff(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const [a, b, c, d] = bytes;
  return (a === 0x49 && b === 0x49 && c === 42 && d === 0) || (a === 0x4d && b === 0x4d && c === 0 && d === 42);
}

/** Where the file's pages are, read without trusting it: a chain of pages that loops or leaves the file ends there. */
function pageChain(view: DataView): { littleEndian: boolean; firstPage: number; pageCount: number } {
  const littleEndian = view.getUint8(0) === 0x49;
  const firstPage = view.getUint32(4, littleEndian);
  const seen = new Set<number>();
  for (let page = firstPage; page !== 0 && !seen.has(page) && page + 2 <= view.byteLength; ) {
    const next = page + 2 + view.getUint16(page, littleEndian) * 12;
    if (next + 4 > view.byteLength) break;
    seen.add(page);
    page = view.getUint32(next, littleEndian);
  }
  return { littleEndian, firstPage, pageCount: seen.size };
}

/** The orientation tag's turns (as Pillow applies them) for one output pixel: where it comes from in the stored picture. */
type Source = (x: number, y: number, width: number, height: number) => [number, number];
const SOURCES: Record<number, Source> = {
  2: (x, y, w) => [w - 1 - x, y],
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  4: (x, y, _w, h) => [x, h - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y, _w, h) => [y, h - 1 - x],
  7: (x, y, w, h) => [w - 1 - y, h - 1 - x],
  8: (x, y, w) => [w - 1 - y, x],
};

/**
 * The stored picture turned as a TIFF orientation tag (or EXIF's, the same values) says:
 * 1 upright, 2-4 mirrored or half-turned, 5-8 with width and height swapped.
 */
export function turnUpright(
  pixels: Uint32Array,
  width: number,
  height: number,
  orientation: number,
): { pixels: Uint32Array; width: number; height: number } {
  const source = SOURCES[orientation];
  if (!source) return { pixels, width, height };
  const [outWidth, outHeight] = orientation >= 5 ? [height, width] : [width, height];
  // Each turn moves through the stored picture by fixed steps, one for x and one for y.
  const at = (x: number, y: number) => {
    const [sx, sy] = source(x, y, width, height);
    return sy * width + sx;
  };
  const start = at(0, 0);
  const stepX = at(1, 0) - start;
  const stepY = at(0, 1) - start;
  const out = new Uint32Array(pixels.length);
  for (let y = 0, row = start, i = 0; y < outHeight; y++, row += stepY) {
    for (let x = 0, from = row; x < outWidth; x++, from += stepX) out[i++] = pixels[from];
  }
  return { pixels: out, width: outWidth, height: outHeight };
}

type Utif = typeof import("utif2");
type Ifd = ReturnType<Utif["decode"]>[number];

/** 16-bit grayscale as the server makes it 8-bit: the full 16-bit range when a value needs it, else 0..255 as is. */
function wideGrayToRgba(ifd: Ifd): Uint8ClampedArray<ArrayBuffer> {
  const count = ifd.width * ifd.height;
  const values = new Uint16Array(count);
  const data = ifd.data;
  let top = 255;
  for (let i = 0; i < count; i++) {
    values[i] = data[2 * i] | (data[2 * i + 1] << 8);
    if (values[i] > 255) top = 65535;
  }
  const rgba = new Uint8ClampedArray(count * 4);
  for (let i = 0; i < count; i++) {
    const level = Math.floor((values[i] / top) * 255 + 0.5);
    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = level;
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

/** See-through pixels laid on white, as the server does before the detector looks. */
function flattenOnWhite(rgba: Uint8ClampedArray) {
  for (let i = 0; i < rgba.length; i += 4) {
    const alpha = rgba[i + 3];
    if (alpha === 255) continue;
    for (let c = i; c < i + 3; c++) rgba[c] = (rgba[c] * alpha + 255 * (255 - alpha) + 127) / 255;
    rgba[i + 3] = 255;
  }
}

const tag = (ifd: Ifd, number: number): number | undefined => (ifd[`t${number}`] as number[] | undefined)?.[0];

/** The first page of a TIFF file, upright and opaque; rejects with an Error when it cannot be read. */
export async function decodeTiff(buffer: ArrayBuffer): Promise<TiffPicture> {
  const view = new DataView(buffer);
  if (!isTiff(new Uint8Array(buffer, 0, Math.min(4, buffer.byteLength))) || buffer.byteLength < 8) {
    throw new Error("not a TIFF file");
  }
  const { littleEndian, firstPage, pageCount } = pageChain(view);
  if (pageCount === 0) throw new Error("the TIFF file is cut short before its first picture");
  // Only the first page is decoded: a copy whose first page names no next one.
  const firstOnly = buffer.slice(0);
  new DataView(firstOnly).setUint32(firstPage + 2 + view.getUint16(firstPage, littleEndian) * 12, 0, littleEndian);

  const module = await import("utif2");
  const utif = ((module as { default?: Utif }).default ?? module) as Utif;
  let rgba: Uint8ClampedArray<ArrayBuffer>;
  let ifd: Ifd;
  try {
    ifd = utif.decode(firstOnly)[0];
    utif.decodeImage(firstOnly, ifd);
    // utif2 hands 16-bit samples over little-endian, whatever the file's byte order.
    const bits = tag(ifd, 258) ?? 1;
    const grayscale = tag(ifd, 262) === 1 && (tag(ifd, 277) ?? 1) === 1;
    if (bits === 16 && grayscale) {
      rgba = wideGrayToRgba(ifd);
    } else {
      const drawn = utif.toRGBA8(ifd);
      rgba = new Uint8ClampedArray(drawn.buffer as ArrayBuffer, drawn.byteOffset, drawn.length);
    }
  } catch (problem) {
    // utif2 throws plain values (a bit depth, a string) for layouts it does not read.
    throw new Error(`this TIFF's layout cannot be drawn here (${problem instanceof Error ? problem.message : String(problem)})`);
  }
  const { width, height } = ifd;
  if (!width || !height || rgba.length < width * height * 4) throw new Error("this TIFF's layout cannot be drawn here");
  rgba = rgba.subarray(0, width * height * 4);
  // Only extra samples (tag 338) carry transparency; utif2 may leave a picture without them a stray 0 alpha.
  if (ifd.t338 === undefined) for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  else flattenOnWhite(rgba);
  const upright = turnUpright(new Uint32Array(rgba.buffer, rgba.byteOffset, width * height), width, height, tag(ifd, 274) ?? 1);
  return {
    width: upright.width,
    height: upright.height,
    pixels: new Uint8ClampedArray(upright.pixels.buffer as ArrayBuffer, upright.pixels.byteOffset, upright.width * upright.height * 4),
    pageCount,
  };
}

/** What an <img> can show of a TIFF: its first page drawn as a PNG (an object URL to revoke), with its size and page count. */
export interface DrawnTiff {
  url: string;
  width: number;
  height: number;
  pageCount: number;
}

/** Decode a TIFF file's first page and draw it into a PNG the page's <img> elements can show at full size. */
export async function drawTiff(blob: Blob): Promise<DrawnTiff> {
  const { width, height, pixels, pageCount } = await decodeTiff(await blob.arrayBuffer());
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("the browser gave no canvas to draw the TIFF on");
  context.putImageData(new ImageData(pixels, width, height), 0, 0);
  const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!png) throw new Error("the TIFF's picture could not be drawn");
  return { url: URL.createObjectURL(png), width, height, pageCount };
}

/** Whether `blob` is a TIFF file, from its first bytes (a stored photo's type may be generic). */
export async function isTiffBlob(blob: Blob): Promise<boolean> {
  return blob.type === "image/tiff" || isTiff(new Uint8Array(await blob.slice(0, 4).arrayBuffer()));
}
