/**
 * Sending several photos to the API's batch endpoint: as many requests as its per-request limit
 * needs, and one outcome per photo even though the endpoint fails a whole request for one bad photo.
 */
import type { ApiError } from "../api/client";
import type { DetectResult } from "../api/types";

/** The server's default photos per batch request (SIGHTLINE_MAX_BATCH_IMAGES). */
export const MAX_BATCH_PHOTOS = 16;

export type PhotoOutcome = { status: "done"; result: DetectResult } | { status: "error"; error: ApiError };

export interface BatchSenders<T> {
  /** One batch request: its results in the photos' order, or an ApiError. */
  sendBatch: (photos: T[]) => Promise<DetectResult[]>;
  /** One photo alone, to learn which of a failed batch's photos was the bad one. */
  sendOne: (photo: T) => Promise<DetectResult>;
  /** Each photo's outcome as soon as it is known, by its position in `photos`. */
  onOutcome: (position: number, outcome: PhotoOutcome) => void;
}

/** `items` in consecutive groups of at most `size`. */
export function inGroups<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}

/** Whether the failure is about one of the photos sent (so each alone tells which), not the server or network. */
function isAboutAPhoto(error: ApiError): boolean {
  return error.status !== null && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 429;
}

/**
 * Detect objects in every photo, `limit` per request, one request at a time (the server is one
 * CPU-bound worker pool; more at once would only queue there). A server set to fewer per request
 * answers `too_many_images`: the group is halved until it fits. A refused photo fails its whole
 * request, so that group's photos are sent one by one to give each its own answer.
 */
export async function detectInBatches<T>(photos: readonly T[], senders: BatchSenders<T>, limit = MAX_BATCH_PHOTOS) {
  const send = async (group: T[], first: number): Promise<void> => {
    try {
      const results = await senders.sendBatch(group);
      results.forEach((result, offset) => senders.onOutcome(first + offset, { status: "done", result }));
    } catch (cause) {
      const error = cause as ApiError;
      if (error.name === "AbortError") throw cause;
      if (error.code === "too_many_images" && group.length > 1) {
        const half = Math.ceil(group.length / 2);
        await send(group.slice(0, half), first);
        await send(group.slice(half), first + half);
      } else if (isAboutAPhoto(error) && group.length > 1) {
        for (const [offset, photo] of group.entries()) await sendAlone(photo, first + offset);
      } else {
        group.forEach((_, offset) => senders.onOutcome(first + offset, { status: "error", error }));
      }
    }
  };
  const sendAlone = async (photo: T, position: number) => {
    try {
      senders.onOutcome(position, { status: "done", result: await senders.sendOne(photo) });
    } catch (cause) {
      if ((cause as Error).name === "AbortError") throw cause;
      senders.onOutcome(position, { status: "error", error: cause as ApiError });
    }
  };
  let first = 0;
  for (const group of inGroups(photos, limit)) {
    await send(group, first);
    first += group.length;
  }
}
