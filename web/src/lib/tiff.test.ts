import { describe, expect, it } from "vitest";
import made from "../test/tiffs.json";
import { decodeTiff, isTiff, turnUpright } from "./tiff";

/**
 * TIFF files in many layouts, made by src/test/make_tiffs.py, each with the upright RGB pixels the
 * server's own decoder gives for it.
 */
const truth = made as Record<string, { file: string; width: number; height: number; pages: number; rgb: number[] }>;

function bytesOf(name: string): ArrayBuffer {
  return Uint8Array.from(atob(truth[name].file), (c) => c.charCodeAt(0)).buffer;
}

/** How far, at most, one colour level of the page's picture is from the server's. */
function largestDifference(pixels: Uint8ClampedArray, rgb: number[]): number {
  let largest = 0;
  for (let i = 0; i < rgb.length / 3; i++) {
    for (let c = 0; c < 3; c++) largest = Math.max(largest, Math.abs(pixels[4 * i + c] - rgb[3 * i + c]));
    largest = Math.max(largest, 255 - pixels[4 * i + 3]);
  }
  return largest;
}

// Lossless layouts agree to the level, or within one where the two round a conversion differently.
const TOLERANCE: Record<string, number> = { "jpeg.tif": 6, "cmyk.tif": 1, "alpha.tif": 1, "gray16.tif": 1, "gray16-big-endian.tif": 1 };

describe("decodeTiff gives the picture the server's decoder sees", () => {
  it("has every layout the fixtures were made in", () => {
    expect(Object.keys(truth).length).toBeGreaterThanOrEqual(25);
  });

  for (const name of Object.keys(truth)) {
    it(name, async () => {
      const picture = await decodeTiff(bytesOf(name));
      const wanted = truth[name];
      expect({ width: picture.width, height: picture.height, pageCount: picture.pageCount }).toEqual({
        width: wanted.width,
        height: wanted.height,
        pageCount: wanted.pages,
      });
      expect(picture.pixels.length).toBe(wanted.width * wanted.height * 4);
      expect(largestDifference(picture.pixels, wanted.rgb)).toBeLessThanOrEqual(TOLERANCE[name] ?? 0);
    });
  }

  it("shows a sideways photo upright, its size swapped", async () => {
    const upright = await decodeTiff(bytesOf("orientation-1.tif"));
    const turned = await decodeTiff(bytesOf("orientation-6.tif"));
    expect([turned.width, turned.height]).toEqual([upright.height, upright.width]);
    // Turned a quarter clockwise: the stored bottom-left pixel is now top-left.
    const bottomLeft = (upright.height - 1) * upright.width * 4;
    expect(Array.from(turned.pixels.subarray(0, 4))).toEqual(Array.from(upright.pixels.subarray(bottomLeft, bottomLeft + 4)));
  });
});

describe("decodeTiff refuses what it cannot draw, in words", () => {
  it("a file that is no TIFF", async () => {
    await expect(decodeTiff(new TextEncoder().encode("not a tiff at all").buffer)).rejects.toThrow("not a TIFF file");
  });

  it("a TIFF cut short before its first picture is described", async () => {
    const whole = bytesOf("orientation-1.tif");
    await expect(decodeTiff(whole.slice(0, 40))).rejects.toThrow("cut short");
  });

  it("a chain of pages that loops back is counted once, not followed for ever", async () => {
    const looped = bytesOf("three-pages.tif");
    const view = new DataView(looped);
    // Point the last page's "next page" back at the first.
    let page = view.getUint32(4, true);
    for (let i = 0; i < 2; i++) page = view.getUint32(page + 2 + view.getUint16(page, true) * 12, true);
    view.setUint32(page + 2 + view.getUint16(page, true) * 12, view.getUint32(4, true), true);
    expect((await decodeTiff(looped)).pageCount).toBe(3);
  });
});

describe("isTiff", () => {
  it("knows both byte orders and nothing else", () => {
    expect(isTiff(new Uint8Array([0x49, 0x49, 42, 0]))).toBe(true);
    expect(isTiff(new Uint8Array([0x4d, 0x4d, 0, 42]))).toBe(true);
    expect(isTiff(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe(false);
    expect(isTiff(new Uint8Array([0x49, 0x49]))).toBe(false);
  });
});

describe("turnUpright", () => {
  // 3x2 stored:  a b c
  //              d e f
  const stored = Uint32Array.from([1, 2, 3, 4, 5, 6]);
  const cases: [number, number[], number][] = [
    [1, [1, 2, 3, 4, 5, 6], 3],
    [2, [3, 2, 1, 6, 5, 4], 3],
    [3, [6, 5, 4, 3, 2, 1], 3],
    [4, [4, 5, 6, 1, 2, 3], 3],
    [5, [1, 4, 2, 5, 3, 6], 2],
    [6, [4, 1, 5, 2, 6, 3], 2],
    [7, [6, 3, 5, 2, 4, 1], 2],
    [8, [3, 6, 2, 5, 1, 4], 2],
  ];
  for (const [orientation, pixels, width] of cases) {
    it(`orientation ${orientation}`, () => {
      const turned = turnUpright(stored, 3, 2, orientation);
      expect(Array.from(turned.pixels)).toEqual(pixels);
      expect(turned.width).toBe(width);
      expect(turned.height).toBe(6 / width);
    });
  }
});
