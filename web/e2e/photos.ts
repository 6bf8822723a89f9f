/** Photos for the end-to-end tests, made from the repository's samples. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { SAMPLES } from "./fixtures";

export interface PhotoFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export function sample(name: string): PhotoFile {
  return { name, mimeType: "image/jpeg", buffer: readFileSync(path.join(SAMPLES, name)) };
}

/** The first `bytes` of a sample: a JPEG the browser can still show but the server cannot decode. */
export function truncated(name: string, bytes: number): PhotoFile {
  return { name: `truncated-${name}`, mimeType: "image/jpeg", buffer: sample(name).buffer.subarray(0, bytes) };
}

/**
 * A sample whose EXIF orientation tag is set to `orientation` (6: shown rotated 90° clockwise),
 * so the photo as displayed and as the API measures it is portrait while its pixels are landscape.
 */
export function withExifOrientation(name: string, orientation: number): PhotoFile {
  const jpeg = Buffer.from(sample(name).buffer);
  let offset = 2;
  while (offset < jpeg.length) {
    const marker = jpeg.readUInt16BE(offset);
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker === 0xffe1 && jpeg.toString("latin1", offset + 4, offset + 10) === "Exif\0\0") {
      const tiff = offset + 10;
      const little = jpeg.toString("latin1", tiff, tiff + 2) === "II";
      const u16 = (at: number) => (little ? jpeg.readUInt16LE(at) : jpeg.readUInt16BE(at));
      const u32 = (at: number) => (little ? jpeg.readUInt32LE(at) : jpeg.readUInt32BE(at));
      const ifd = tiff + u32(tiff + 4);
      for (let entry = 0; entry < u16(ifd); entry++) {
        const at = ifd + 2 + entry * 12;
        if (u16(at) === 0x0112) {
          if (little) jpeg.writeUInt16LE(orientation, at + 8);
          else jpeg.writeUInt16BE(orientation, at + 8);
          return { name: `rotated-${name}`, mimeType: "image/jpeg", buffer: jpeg };
        }
      }
    }
    offset += 2 + length;
  }
  throw new Error(`${name} has no EXIF orientation tag to change`);
}

/** A sample with bytes appended after its end: the same picture, but a file of its own to the server. */
export function distinctCopy(name: string, tag: string): PhotoFile {
  return { ...ownCopy(name, tag), name: `${tag}-${name}` };
}

/**
 * A sample under its own name whose bytes belong to `owner` (a spec, with its width if it runs at
 * several). The server keeps one photo per content, so two specs keeping the same sample would share
 * one stored photo, and one spec's delete or review would reach into the other's: a spec that keeps
 * photos keeps its own copies.
 */
export function ownCopy(name: string, owner: string): PhotoFile {
  const original = sample(name);
  return { ...original, buffer: Buffer.concat([original.buffer, Buffer.from(owner)]) };
}
