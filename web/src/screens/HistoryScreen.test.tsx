import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StoredImageSummary } from "../api/types";
import { saveApiKey } from "../lib/apiKey";
import { installFakeServer, type FakeServer } from "../test/fakeServer";
import { errorResponse, jsonResponse, MODELS, STORED_DOG } from "../test/fixtures";
import { HistoryScreen } from "./HistoryScreen";

let server: FakeServer;

function summary(id: number, reviewed: boolean): StoredImageSummary {
  const { predictions: _, missed_objects: __, ...rest } = STORED_DOG;
  return { ...rest, id, file_url: `/api/v1/images/${id}/file`, review_state: reviewed ? "reviewed" : "unreviewed", models: ["nanodet"] };
}

beforeEach(() => {
  server = installFakeServer();
  server.on("GET", "/api/v1/models", () => jsonResponse({ items: MODELS, total: MODELS.length }));
  server.on("GET", "/api/v1/datasets", () =>
    jsonResponse({ items: [{ name: "reviewed", images: 1 }, { name: "pets", images: 2 }], total: 2 }),
  );
  window.location.hash = "#/history";
});

/** The query the screen put in the address, as the app would hand it back on the next render. */
function addressQuery(): URLSearchParams {
  return new URLSearchParams(window.location.hash.split("?")[1] ?? "");
}

function imageListRequests(): string[] {
  return server.requests.map((r) => r.call).filter((call) => call.startsWith("GET /api/v1/images?"));
}
afterEach(() => vi.unstubAllGlobals());

describe("HistoryScreen", () => {
  it("asks for the page and filters in the address, and shows each photo with its review state", async () => {
    server.on("GET", "/api/v1/images", () =>
      jsonResponse({ items: [summary(31, true), summary(30, false)], total: 26, page: 2, per_page: 12 }),
    );
    render(<HistoryScreen query={new URLSearchParams("reviewed=false&model=nanodet&page=2")} />);

    expect(await screen.findByTestId("photo-card-31")).toHaveTextContent("Reviewed");
    expect(screen.getByTestId("photo-card-30")).toHaveTextContent("To review");
    expect(within(screen.getByTestId("photo-card-30")).getAllByRole("link")[0]).toHaveAttribute("href", "#/images/30");
    expect(server.requests.map((r) => r.call)).toContain(
      "GET /api/v1/images?page=2&per_page=12&reviewed=false&model=nanodet&source=uploads&min_score=0.3",
    );
    expect(screen.getByTestId("history-total")).toHaveTextContent("26 photos");
    expect(within(screen.getByTestId("photo-card-31")).getByTestId("photo-name")).toHaveTextContent("dog.jpg");

    // 26 photos at 12 a page: three pages, this the second, the filters kept in every link.
    expect(screen.getByRole("link", { name: "Page 2" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("link", { name: "Page 3" })).toHaveAttribute("href", "#/history?reviewed=false&model=nanodet&page=3");
    expect(screen.getByRole("link", { name: "Previous" })).toHaveAttribute("href", "#/history?reviewed=false&model=nanodet&page=1");
  });

  it("names each photo and counts its boxes at the score the page opens with, or says it has neither", async () => {
    server.on("GET", "/api/v1/images", () =>
      jsonResponse({
        items: [
          { ...summary(32, false), box_count: 1 },
          { ...summary(31, false), box_count: 4 },
          { ...summary(30, false), file_name: null, box_count: null },
        ],
        total: 3,
        page: 1,
        per_page: 12,
      }),
    );
    render(<HistoryScreen query={new URLSearchParams()} />);

    const card = async (id: number) => within(await screen.findByTestId(`photo-card-${id}`));
    expect((await card(32)).getByTestId("photo-box-count")).toHaveTextContent("1 box at score ≥ 30%");
    expect((await card(31)).getByTestId("photo-box-count")).toHaveTextContent("4 boxes at score ≥ 30%");
    expect((await card(30)).getByTestId("photo-name")).toHaveTextContent("unnamed photo");
    expect((await card(30)).getByTestId("photo-box-count")).toHaveTextContent("no model run yet");
  });

  it("deletes a photo after asking, with the admin key; a refused key is said beside the button", async () => {
    let deleted = false;
    server.on("GET", "/api/v1/images", () =>
      jsonResponse({ items: deleted ? [summary(30, false)] : [summary(31, false), summary(30, false)], total: deleted ? 1 : 2, page: 1, per_page: 12 }),
    );
    server.on("DELETE", "/api/v1/images/31", ({ init }) => {
      if (new Headers(init.headers).get("X-Admin-Key") !== "secret") {
        return errorResponse(403, "forbidden", "this action needs the admin key in the X-Admin-Key header");
      }
      deleted = true;
      return new Response(null, { status: 204 });
    });
    const user = userEvent.setup();
    render(<HistoryScreen query={new URLSearchParams()} />);

    const card = within(await screen.findByTestId("photo-card-31"));
    await user.click(card.getByRole("button", { name: "Delete" }));
    const form = card.getByRole("form", { name: "Delete photo #31" });
    expect(form).toHaveTextContent("Delete dog.jpg (#31) with its predictions and reviews? This cannot be undone.");
    await user.type(within(form).getByLabelText("Admin key"), "wrong");
    await user.click(within(form).getByRole("button", { name: "Delete for good" }));
    const refusal = await within(form).findByRole("alert");
    expect(refusal).toHaveTextContent("That admin key was refused.");
    expect(screen.getByTestId("photo-card-31")).toBeInTheDocument();

    await user.clear(within(form).getByLabelText("Admin key"));
    await user.type(within(form).getByLabelText("Admin key"), "secret");
    await user.click(within(form).getByRole("button", { name: "Delete for good" }));
    await waitFor(() => expect(screen.queryByTestId("photo-card-31")).not.toBeInTheDocument());
    expect(screen.getByTestId("photo-card-30")).toBeInTheDocument();
    expect(screen.getByTestId("history-total")).toHaveTextContent("1 photo");
  });

  it("puts a changed filter in the address and starts again at the first page", async () => {
    server.on("GET", "/api/v1/images", () => jsonResponse({ items: [summary(31, true)], total: 1, page: 1, per_page: 12 }));
    const user = userEvent.setup();
    render(<HistoryScreen query={new URLSearchParams("page=3")} />);
    await screen.findByTestId("photo-card-31");

    await user.selectOptions(screen.getByLabelText("Review state"), "true");
    expect(window.location.hash).toBe("#/history?reviewed=true");

    const label = screen.getByLabelText("Class");
    await user.type(label, "dog{Enter}");
    expect(window.location.hash).toBe("#/history?label=dog");
  });

  it("shows the uploads unless the photos select picks all photos or one imported dataset", async () => {
    server.on("GET", "/api/v1/images", () => jsonResponse({ items: [summary(31, false)], total: 1, page: 1, per_page: 12 }));
    const user = userEvent.setup();
    const { rerender } = render(<HistoryScreen query={new URLSearchParams("reviewed=false")} />);
    await screen.findByTestId("photo-card-31");
    expect(imageListRequests()).toEqual(["GET /api/v1/images?page=1&per_page=12&reviewed=false&source=uploads&min_score=0.3"]);

    // The reviewed photos are no imported dataset: the review state filter shows them.
    const photos = screen.getByLabelText("Photos");
    await within(photos).findByRole("option", { name: "pets" });
    expect(within(photos).getAllByRole("option").map((option) => option.textContent)).toEqual(["Uploads", "All photos", "pets"]);

    await user.selectOptions(photos, "pets");
    expect(window.location.hash).toBe("#/history?reviewed=false&dataset=pets");
    rerender(<HistoryScreen query={addressQuery()} />);
    await waitFor(() => expect(imageListRequests().at(-1)).toBe("GET /api/v1/images?page=1&per_page=12&reviewed=false&dataset=pets&min_score=0.3"));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Photos of dataset pets");

    await user.selectOptions(screen.getByLabelText("Photos"), "All photos");
    expect(window.location.hash).toBe("#/history?reviewed=false&source=all");
    rerender(<HistoryScreen query={addressQuery()} />);
    await waitFor(() => expect(imageListRequests().at(-1)).toBe("GET /api/v1/images?page=1&per_page=12&reviewed=false&min_score=0.3"));
    expect(screen.getByLabelText("Photos")).toHaveValue("all");

    await user.selectOptions(screen.getByLabelText("Photos"), "Uploads");
    expect(window.location.hash).toBe("#/history?reviewed=false");
  });

  it("says how to get photos here when none are kept", async () => {
    server.on("GET", "/api/v1/images", () => jsonResponse({ items: [], total: 0, page: 1, per_page: 12 }));
    render(<HistoryScreen query={new URLSearchParams()} />);
    expect(await screen.findByTestId("history-empty")).toHaveTextContent("switch on “Keep for review”");
  });

  it("fetches each kept photo with the API key, since an <img> pointed at the API could not send it", async () => {
    saveApiKey("key-one");
    server.on("GET", "/api/v1/images", () => jsonResponse({ items: [summary(31, true)], total: 1, page: 1, per_page: 12 }));
    server.on("GET", "/api/v1/images/31/file", ({ init }) =>
      new Headers(init.headers).get("X-API-Key") === "key-one"
        ? new Response(new Uint8Array([0xff, 0xd8, 0xff]), { headers: { "Content-Type": "image/jpeg" } })
        : errorResponse(401, "unauthorized", "the API key is not valid"),
    );
    URL.createObjectURL = vi.fn(() => "blob:photo-31");
    URL.revokeObjectURL = vi.fn();
    const { unmount } = render(<HistoryScreen query={new URLSearchParams()} />);

    await waitFor(() => expect(screen.getByAltText("Photo #31")).toHaveAttribute("src", "blob:photo-31"));
    expect(vi.mocked(URL.createObjectURL).mock.calls[0][0]).toMatchObject({ type: "image/jpeg", size: 3 });
    unmount();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:photo-31");
  });
});
