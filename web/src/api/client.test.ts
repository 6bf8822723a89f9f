import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { forgetApiKey, saveApiKey } from "../lib/apiKey";
import { DOG_RESULT, errorResponse, jsonResponse, MODELS } from "../test/fixtures";
import {
  ApiError,
  detect,
  getImageFile,
  isApiKeyRefused,
  listModels,
  promoteModel,
  REQUEST_TIMEOUT_MS,
  toApiError,
} from "./client";

const fetchMock = vi.fn<typeof fetch>();

beforeEach(() => {
  fetchMock.mockReset();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const photo = () => new File([new Uint8Array(10)], "dog.jpg", { type: "image/jpeg" });

describe("detect", () => {
  it("posts the photo as multipart field 'image' with the parameters in the query string", async () => {
    fetchMock.mockResolvedValue(jsonResponse(DOG_RESULT));
    const result = await detect(photo(), {
      model: "centernet",
      scoreThreshold: 0.05,
      classes: ["dog", "cat"],
      maxDetections: 300,
      store: true,
    });
    expect(result).toEqual(DOG_RESULT);
    const [url, init] = fetchMock.mock.calls[0];
    const sent = new URL(url as string, "http://sightline");
    expect(sent.pathname).toBe("/api/v1/detect");
    expect(Object.fromEntries(sent.searchParams)).toEqual({
      model: "centernet",
      score_threshold: "0.05",
      classes: "dog,cat",
      max_detections: "300",
      store: "true",
    });
    expect(init?.method).toBe("POST");
    const form = init?.body as FormData;
    expect([...form.keys()]).toEqual(["image"]);
    expect((form.get("image") as File).name).toBe("dog.jpg");
  });

  it("leaves out the parameters the caller did not set", async () => {
    fetchMock.mockResolvedValue(jsonResponse(DOG_RESULT));
    await detect(photo());
    expect(fetchMock.mock.calls[0][0]).toBe("/api/v1/detect");
  });

  it("turns the server's error body into an ApiError with its code, message and request id", async () => {
    fetchMock.mockResolvedValue(errorResponse(400, "unknown_model", "unknown model 'nope'; known models: nanodet"));
    const error = await detect(photo(), { model: "nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "unknown_model", requestId: "req-123" });
    expect((error as ApiError).message).toBe("unknown model 'nope'; known models: nanodet");
  });

  it("reports an answer that is not JSON by its status", async () => {
    fetchMock.mockResolvedValue(
      new Response("<h1>502</h1>", { status: 502, statusText: "Bad Gateway", headers: { "X-Request-ID": "abc" } }),
    );
    await expect(detect(photo())).rejects.toMatchObject({
      status: 502,
      code: "http_502",
      requestId: "abc",
      message: "The server answered 502 Bad Gateway.",
    });
  });

  it("gives up after the time limit instead of waiting for ever", async () => {
    vi.useFakeTimers();
    fetchMock.mockImplementation(
      (_, init) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
        ),
    );
    const pending = detect(photo()).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
    expect(await pending).toMatchObject({ code: "timeout", status: null });
  });

  it("lets the caller's own cancellation through as an AbortError, not a failure to show", async () => {
    fetchMock.mockImplementation(
      (_, init) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
        ),
    );
    const controller = new AbortController();
    const pending = detect(photo(), {}, controller.signal).catch((e: unknown) => e);
    controller.abort();
    const error = await pending;
    expect(error).not.toBeInstanceOf(ApiError);
    expect((error as DOMException).name).toBe("AbortError");
  });
});

describe("toApiError", () => {
  it("keeps the client's own errors as they are and names any other failure by its message", () => {
    const refused = new ApiError("Unknown model 'x'.", { status: 404, code: "not_found", requestId: "req-1" });
    expect(toApiError(refused)).toBe(refused);
    const other = toApiError(new TypeError("The file could not be read."));
    expect(other).toBeInstanceOf(ApiError);
    expect([other.message, other.code, other.status]).toEqual(["The file could not be read.", "client_error", null]);
  });
});

describe("listModels", () => {
  it("returns the models and the one the server marks as default", async () => {
    const items = [MODELS[1], { ...MODELS[0] }];
    fetchMock.mockResolvedValue(jsonResponse({ items, total: 2 }));
    expect(await listModels()).toEqual({ models: items, defaultModel: "nanodet" });
  });
});

describe("the API key", () => {
  const sentKey = (call: number) => new Headers(fetchMock.mock.calls[call][1]?.headers).get("X-API-Key");

  it("goes with every request once saved, and is kept in the browser across reloads", async () => {
    fetchMock.mockImplementation(async () => jsonResponse({ items: MODELS, total: MODELS.length }));
    await listModels();
    expect(sentKey(0)).toBeNull();

    saveApiKey("key-one");
    await listModels();
    await detect(photo());
    expect([sentKey(1), sentKey(2)]).toEqual(["key-one", "key-one"]);
    expect(localStorage.getItem("sightline.apiKey")).toBe("key-one");
  });

  it("goes alongside the admin key and the JSON content type", async () => {
    fetchMock.mockResolvedValue(jsonResponse({ default_model: "centernet", evaluation_id: 4 }));
    saveApiKey("key-one");
    await promoteModel(4, "centernet", "the-admin-key");
    const headers = new Headers(fetchMock.mock.calls[0][1]?.headers);
    expect(Object.fromEntries(headers)).toEqual({
      "content-type": "application/json",
      "x-admin-key": "the-admin-key",
      "x-api-key": "key-one",
    });
  });

  it("stops going once forgotten, and leaves nothing in the browser", async () => {
    fetchMock.mockImplementation(async () => jsonResponse({ items: MODELS, total: MODELS.length }));
    saveApiKey("key-one");
    forgetApiKey();
    await listModels();
    expect(sentKey(0)).toBeNull();
    expect(localStorage.getItem("sightline.apiKey")).toBeNull();
  });

  it("goes with the request for a stored photo's bytes too", async () => {
    fetchMock.mockResolvedValue(new Response(new Uint8Array([0xff, 0xd8, 0xff]), { headers: { "Content-Type": "image/jpeg" } }));
    saveApiKey("key-one");
    const bytes = await getImageFile("/api/v1/images/5/file");
    expect(fetchMock.mock.calls[0][0]).toBe("/api/v1/images/5/file");
    expect(sentKey(0)).toBe("key-one");
    expect(bytes.type).toBe("image/jpeg");
    expect(bytes.size).toBe(3);
  });

  it.each([
    [401, "unauthorized", true],
    [403, "forbidden", false],
    [422, "undecodable_image", false],
  ])("tells a %i %s apart as a refusal for want of the key (%s)", async (status, code, refused) => {
    fetchMock.mockResolvedValue(errorResponse(status, code, "refused"));
    const error = (await detect(photo()).catch((e: unknown) => e)) as ApiError;
    expect(isApiKeyRefused(error)).toBe(refused);
  });
});
