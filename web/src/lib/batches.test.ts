import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import type { DetectResult } from "../api/types";
import { detectInBatches, inGroups, type PhotoOutcome } from "./batches";

const resultFor = (name: string) => ({ id: name, detections: [] }) as unknown as DetectResult;

/** A fake endpoint with the server's rules: at most `limit` per request, and a bad photo fails its whole request. */
function server(limit: number, bad: ReadonlySet<string> = new Set()) {
  const requests: string[][] = [];
  const sendBatch = async (photos: string[]) => {
    requests.push(photos);
    if (photos.length > limit) {
      throw new ApiError(`${photos.length} photos; at most ${limit} per request`, { status: 400, code: "too_many_images" });
    }
    const position = photos.findIndex((photo) => bad.has(photo));
    if (position >= 0) throw new ApiError(`photo ${position + 1} is not an image`, { status: 400, code: "invalid_image" });
    return photos.map(resultFor);
  };
  const sendOne = async (photo: string) => {
    requests.push([photo]);
    if (bad.has(photo)) throw new ApiError("the photo is not an image", { status: 400, code: "invalid_image" });
    return resultFor(photo);
  };
  return { requests, sendBatch, sendOne };
}

async function run(photos: string[], endpoint: ReturnType<typeof server>, limit?: number) {
  const outcomes = new Map<number, PhotoOutcome>();
  await detectInBatches(photos, { ...endpoint, onOutcome: (position, outcome) => outcomes.set(position, outcome) }, limit);
  return photos.map((_, position) => outcomes.get(position));
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `photo-${i + 1}.jpg`);

describe("inGroups", () => {
  it("splits into groups of the limit, the last one shorter", () => {
    expect(inGroups([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(inGroups([], 16)).toEqual([]);
  });
});

describe("detectInBatches", () => {
  it("sends more photos than one request allows in as many requests as needed, results in order", async () => {
    const endpoint = server(16);
    const outcomes = await run(names(35), endpoint);
    expect(endpoint.requests.map((r) => r.length)).toEqual([16, 16, 3]);
    expect(outcomes.map((o) => o?.status === "done" && o.result.id)).toEqual(names(35));
  });

  it("halves the groups when the server allows fewer per request than the page expects", async () => {
    const endpoint = server(4);
    const outcomes = await run(names(10), endpoint, 16);
    expect(outcomes.every((o) => o?.status === "done")).toBe(true);
    expect(outcomes.map((o) => o?.status === "done" && o.result.id)).toEqual(names(10));
    expect(endpoint.requests.filter((r) => r.length <= 4).flat()).toEqual(names(10));
  });

  it("gives a refused photo its own error and the others of its request their results", async () => {
    const endpoint = server(16, new Set(["photo-2.jpg"]));
    const outcomes = await run(names(3), endpoint);
    expect(outcomes.map((o) => o?.status)).toEqual(["done", "error", "done"]);
    expect(outcomes[1]?.status === "error" && outcomes[1].error.message).toBe("the photo is not an image");
  });

  it("marks every photo of a request the server could not answer, without resending them one by one", async () => {
    const down = new ApiError("Could not reach the Sightline server.", { code: "network_error" });
    const requests: string[][] = [];
    const outcomes = new Map<number, PhotoOutcome>();
    await detectInBatches(names(3), {
      sendBatch: async (photos) => {
        requests.push(photos);
        throw down;
      },
      sendOne: async () => {
        throw new Error("not expected");
      },
      onOutcome: (position, outcome) => outcomes.set(position, outcome),
    });
    expect(requests).toHaveLength(1);
    expect([...outcomes.values()].map((o) => o.status === "error" && o.error.code)).toEqual(Array(3).fill("network_error"));
  });
});
