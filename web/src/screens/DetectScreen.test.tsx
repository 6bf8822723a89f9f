import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DOG_RESULT, errorResponse, jsonResponse, MODELS } from "../test/fixtures";
import { DetectScreen } from "./DetectScreen";

vi.mock("../lib/photoFile", async (original) => ({
  ...(await original<typeof import("../lib/photoFile")>()),
  // jsdom decodes no images; the photo is the 768x576 dog the fixture's boxes belong to.
  loadPhoto: async (file: File) => ({ file, url: `blob:${file.name}`, width: 768, height: 576, animated: false, pageCount: 1 }),
}));

type Handler = (url: string, init: RequestInit) => Promise<Response> | Response;
let detectHandler: Handler;
let modelsHandler: Handler;
const fetchMock = vi.fn((url: string, init: RequestInit = {}) =>
  url.includes("/models") ? modelsHandler(url, init) : detectHandler(url, init),
);
const savedBlobs: Blob[] = [];

beforeEach(() => {
  detectHandler = () => jsonResponse(DOG_RESULT);
  modelsHandler = () => jsonResponse({ items: MODELS, total: MODELS.length });
  fetchMock.mockClear();
  savedBlobs.length = 0;
  vi.stubGlobal("fetch", fetchMock);
  URL.createObjectURL = vi.fn((blob: Blob) => {
    savedBlobs.push(blob);
    return "blob:download";
  });
  URL.revokeObjectURL = vi.fn();
  // The photo is laid out at half its size: 384x288 pixels on screen.
  vi.spyOn(HTMLImageElement.prototype, "getBoundingClientRect").mockReturnValue(new DOMRect(0, 0, 384, 288));
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const dogPhoto = () => new File([new Uint8Array(2048)], "dog.jpg", { type: "image/jpeg" });

function detectCalls() {
  return fetchMock.mock.calls.filter(([url]) => new URL(url, "http://sightline").pathname.endsWith("/detect"));
}

/** The query parameters of the `n`th detect request. */
function detectParams(n: number) {
  return new URL(detectCalls()[n][0], "http://sightline").searchParams;
}

async function uploadDog() {
  const user = userEvent.setup();
  render(<DetectScreen />);
  await screen.findByRole("option", { name: /nanodet/ });
  await user.upload(screen.getByLabelText("Choose a photo"), dogPhoto());
  await screen.findByRole("table", { name: "Detections" });
  return user;
}

const boxes = () => screen.getByTestId("detection-overlay").querySelectorAll("rect");
/** The notification that starts with `title`. */
const alertTitled = async (title: string) => (await screen.findByText(title)).closest<HTMLElement>("[role=alert]")!;
const rows = () => within(screen.getByRole("table", { name: "Detections" })).getAllByRole("row").slice(1);

describe("DetectScreen", () => {
  it("sends the photo once, asking for everything above a low floor, and draws the boxes scaled to the photo", async () => {
    await uploadDog();
    expect(detectCalls()).toHaveLength(1);
    expect(detectParams(0).get("score_threshold")).toBe("0.05");
    expect(detectParams(0).get("model")).toBe("nanodet");
    expect(detectParams(0).get("store")).toBeNull();
    expect(((detectCalls()[0][1]!.body as FormData).get("image") as File).name).toBe("dog.jpg");

    // The default minimum score, 30%, leaves five of the six.
    expect(boxes()).toHaveLength(5);
    expect(rows()).toHaveLength(5);
    const dog = screen.getByTestId("box-0");
    expect(Number(dog.getAttribute("x"))).toBeCloseTo(131.1 / 2, 6);
    expect(Number(dog.getAttribute("height"))).toBeCloseTo((537.54 - 194.59) / 2, 6);
    expect(screen.getByTestId("inference-time")).toHaveTextContent("85 ms");
  });

  it("filters by score at once, without asking the API again", async () => {
    await uploadDog();
    const slider = screen.getByLabelText("Minimum score");
    fireEvent.change(slider, { target: { value: "0.5" } });
    expect(boxes()).toHaveLength(3);
    expect(rows().map((row) => (row as HTMLTableRowElement).cells[0].textContent)).toEqual(["dog", "bicycle", "car"]);
    expect(screen.getByTestId("score-value")).toHaveTextContent("50%");

    fireEvent.change(slider, { target: { value: "0.05" } });
    expect(boxes()).toHaveLength(6);
    fireEvent.change(slider, { target: { value: "0.9" } });
    expect(screen.queryByTestId("box-0")).not.toBeInTheDocument();
    expect(screen.getByTestId("detection-list-empty")).toHaveTextContent("None of the 6 candidates pass the filters");
    expect(detectCalls()).toHaveLength(1);
  });

  it("hides a class switched off in the class filter, and shows it again", async () => {
    const user = await uploadDog();
    await user.click(screen.getByRole("button", { name: /bicycle/, pressed: true }));
    expect([...boxes()].map((box) => box.dataset.label)).not.toContain("bicycle");
    expect(rows()).toHaveLength(3);
    expect(screen.getByRole("button", { name: /bicycle/, pressed: false })).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Show all" }));
    expect(rows()).toHaveLength(5);
    expect(detectCalls()).toHaveLength(1);
  });

  it("highlights a box when its row is pointed at, and the row when its box is", async () => {
    const user = await uploadDog();
    const carRow = screen.getByTestId("row-2");
    await user.hover(carRow);
    expect(screen.getByTestId("box-2")).toHaveClass("is-highlighted");
    expect(screen.getByTestId("box-0")).toHaveClass("is-dimmed");
    await user.unhover(carRow);
    expect(screen.getByTestId("box-2")).not.toHaveClass("is-highlighted");

    await user.hover(screen.getByTestId("box-4"));
    expect(screen.getByTestId("row-4")).toHaveClass("is-selected");
  });

  it("shows the photo and a progress state while the API works, then the server's error message", async () => {
    let answer!: (response: Response) => void;
    detectHandler = () => new Promise((resolve) => (answer = resolve));
    const user = userEvent.setup();
    render(<DetectScreen />);
    await user.upload(screen.getByLabelText("Choose a photo"), dogPhoto());

    expect(await screen.findByTestId("photo")).toHaveAttribute("src", "blob:dog.jpg");
    expect(screen.getByRole("status")).toHaveTextContent("Detecting objects with nanodet");

    await act(async () => answer(errorResponse(422, "undecodable_image", "the image data is truncated or corrupt")));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Detection failed");
    expect(alert).toHaveTextContent("the image data is truncated or corrupt");
    expect(alert).toHaveTextContent("HTTP 422");
    expect(alert).toHaveTextContent("req-123");
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
    // The same photo would fail the same way: no point offering to send it again.
    expect(within(alert).queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
  });

  it.each([
    ["the network is down", () => Promise.reject(new TypeError("Failed to fetch")), "Could not reach the Sightline server"],
    [
      "a proxy answers 502 with HTML",
      () => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
      "The server answered 502 Bad Gateway",
    ],
    [
      "the server fails",
      () => errorResponse(500, "internal_error", "internal server error; the request id identifies it in the server log"),
      "internal server error",
    ],
  ])("says so in a notification when %s, and can try again", async (_, failure, message) => {
    detectHandler = failure;
    const user = userEvent.setup();
    render(<DetectScreen />);
    await user.upload(screen.getByLabelText("Choose a photo"), dogPhoto());
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(screen.queryByRole("status")).not.toBeInTheDocument();

    detectHandler = () => jsonResponse(DOG_RESULT);
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByRole("table", { name: "Detections" });
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("says when the list of models cannot be loaded, and detects with the server's default meanwhile", async () => {
    modelsHandler = () => errorResponse(503, "not_ready", "the default model nanodet is still loading");
    const user = userEvent.setup();
    render(<DetectScreen />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load the list of models");
    expect(alert).toHaveTextContent("still loading");

    await user.upload(screen.getByLabelText("Choose a photo"), dogPhoto());
    await screen.findByRole("table", { name: "Detections" });
    expect(detectParams(0).get("model")).toBeNull();

    modelsHandler = () => jsonResponse({ items: MODELS, total: MODELS.length });
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("option", { name: /centernet/ })).toBeInTheDocument();
  });

  it("asks for the API key when the server refuses without one, and detects the same photo once it is given", async () => {
    const needsKey =
      (answer: () => Response): Handler =>
      (_, init) => {
        const key = new Headers(init.headers).get("X-API-Key");
        if (key === "key-one") return answer();
        return key
          ? errorResponse(401, "unauthorized", "the API key is not valid")
          : errorResponse(401, "unauthorized", "this server needs an API key in the X-API-Key header");
      };
    modelsHandler = needsKey(() => jsonResponse({ items: MODELS, total: MODELS.length }));
    detectHandler = needsKey(() => jsonResponse(DOG_RESULT));
    const user = userEvent.setup();
    render(<DetectScreen />);
    const modelsAlert = await alertTitled("Could not load the list of models");
    expect(modelsAlert).toHaveTextContent("this server needs an API key");
    expect(within(modelsAlert).getByLabelText("API key")).toBeInTheDocument();
    // Sending the same request again without a key would only be refused again.
    expect(within(modelsAlert).queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();

    await user.upload(screen.getByLabelText("Choose a photo"), dogPhoto());
    let detectAlert = await alertTitled("Detection failed");
    await user.type(within(detectAlert).getByLabelText("API key"), "not-the-key");
    await user.click(within(detectAlert).getByRole("button", { name: "Save and try again" }));
    await waitFor(() => expect(detectCalls()).toHaveLength(2));
    detectAlert = await alertTitled("Detection failed");
    expect(detectAlert).toHaveTextContent("the API key is not valid");

    await user.type(within(detectAlert).getByLabelText("API key"), "key-one");
    await user.click(within(detectAlert).getByRole("button", { name: "Save and try again" }));
    await screen.findByRole("table", { name: "Detections" });
    expect(boxes()).toHaveLength(5);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    // The list of models came back with the new key, without being asked.
    expect(screen.getByRole("option", { name: /centernet/ })).toBeInTheDocument();
    expect(detectCalls().map(([, init]) => new Headers(init!.headers).get("X-API-Key"))).toEqual([null, "not-the-key", "key-one"]);
    expect(detectCalls().map(([, init]) => ((init!.body as FormData).get("image") as File).name)).toEqual(["dog.jpg", "dog.jpg", "dog.jpg"]);
  });

  it.each([
    ["a text file", () => new File(["hello"], "notes.txt", { type: "text/plain" }), "“notes.txt” is not a photo this page can send (text/plain). Choose a JPEG, PNG, WebP, GIF, BMP or TIFF photo."],
    ["an empty file", () => new File([], "empty.png", { type: "image/png" }), "“empty.png” is empty."],
    [
      "a photo over the size limit",
      () => new File([new Uint8Array(20_000_001)], "huge.jpg", { type: "image/jpeg" }),
      "“huge.jpg” is 20 MB; photos up to 20 MB are accepted.",
    ],
  ])("refuses %s in the page with a clear reason", async (_, file, message) => {
    const user = userEvent.setup({ applyAccept: false });
    render(<DetectScreen />);
    await user.upload(screen.getByLabelText("Choose a photo"), file());
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(detectCalls()).toHaveLength(0);
  });

  it("runs the chosen model on the same photo", async () => {
    detectHandler = (url) => {
      const model = new URL(url, "http://sightline").searchParams.get("model");
      return jsonResponse({ ...DOG_RESULT, model: { name: model, version: "v" } });
    };
    const user = await uploadDog();
    expect(screen.getByTestId("model-help")).toHaveTextContent("416×416");
    await user.selectOptions(screen.getByLabelText("Model"), "centernet");
    await waitFor(() => expect(screen.getByTestId("inference-time")).toHaveTextContent("centernet"));
    expect(detectCalls()).toHaveLength(2);
    expect(screen.getByTestId("model-help")).toHaveTextContent("512×512");
  });

  it("asks the server to keep the photo only when Keep for review is on", async () => {
    detectHandler = (url) =>
      jsonResponse(
        new URL(url, "http://sightline").searchParams.get("store")
          ? { ...DOG_RESULT, stored: { image_id: 7, prediction_id: 9 } }
          : DOG_RESULT,
      );
    const user = await uploadDog();
    const keep = screen.getByRole("switch", { name: "Keep for review" });
    expect(keep).not.toBeChecked();
    await user.click(keep);
    await waitFor(() => expect(detectCalls()).toHaveLength(2));
    expect(detectParams(1).get("store")).toBe("true");
    await screen.findByRole("table", { name: "Detections" });
    expect(await screen.findByRole("link", { name: "Review its boxes" })).toHaveAttribute("href", "#/images/7");
    expect(screen.getByTestId("keep-help")).toHaveTextContent("Kept on the server as photo #7");

    // Switching it off cannot take back what was kept, and costs no new request.
    await user.click(keep);
    expect(detectCalls()).toHaveLength(2);
  });

  it("asks again with one label per object, then with the mirrored pass as well", async () => {
    const user = await uploadDog();
    expect(detectParams(0).get("agnostic_nms")).toBeNull();
    expect(detectParams(0).get("tta_flip")).toBeNull();

    await user.click(screen.getByRole("checkbox", { name: "One label per object" }));
    await waitFor(() => expect(detectCalls()).toHaveLength(2));
    expect(detectParams(1).get("agnostic_nms")).toBe("true");
    expect(detectParams(1).get("tta_flip")).toBeNull();
    expect(detectParams(1).get("score_threshold")).toBe("0.05");

    await user.click(screen.getByRole("checkbox", { name: "Also look at the photo mirrored (slower)" }));
    await waitFor(() => expect(detectCalls()).toHaveLength(3));
    expect(detectParams(2).get("agnostic_nms")).toBe("true");
    expect(detectParams(2).get("tta_flip")).toBe("true");
  });

  it("stops waiting when the user cancels, and can start again", async () => {
    detectHandler = (_, init) =>
      new Promise((_, reject) => init.signal?.addEventListener("abort", () => reject(new DOMException("", "AbortError"))));
    const user = userEvent.setup();
    render(<DetectScreen />);
    await user.upload(screen.getByLabelText("Choose a photo"), dogPhoto());
    await user.click(await screen.findByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    detectHandler = () => jsonResponse(DOG_RESULT);
    await user.click(screen.getByRole("button", { name: "Detect objects" }));
    await screen.findByRole("table", { name: "Detections" });
  });

  it("downloads the detections on screen as JSON", async () => {
    const user = await uploadDog();
    fireEvent.change(screen.getByLabelText("Minimum score"), { target: { value: "0.5" } });
    await user.click(screen.getByRole("button", { name: "Download JSON" }));
    const saved = JSON.parse(await savedBlobs.at(-1)!.text());
    expect(saved.image).toEqual({ width: 768, height: 576 });
    expect(saved.detections.map((d: { label: string }) => d.label)).toEqual(["dog", "bicycle", "car"]);
    expect(saved.filters).toEqual({ min_score: 0.5, hidden_classes: [] });
  });
});
