import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StoredImage } from "../api/types";
import { useRoute } from "../hooks/useRoute";
import { installFakeServer, type FakeServer } from "../test/fakeServer";
import { errorResponse, jsonResponse, MODELS, reviewQueue, STORED_DOG } from "../test/fixtures";
import { ReviewScreen } from "./ReviewScreen";

function ScreenShown() {
  return <p data-testid="screen-shown">{useRoute().screen}</p>;
}

let server: FakeServer;

beforeEach(() => {
  server = installFakeServer();
  server.on("GET", "/api/v1/models", () => jsonResponse({ items: MODELS, total: MODELS.length }));
  server.on("GET", "/api/v1/images/5", () => jsonResponse(STORED_DOG));
  server.on("GET", "/api/v1/review-queue", () => jsonResponse(reviewQueue([{ id: 5 }, { id: 8 }], 12, 40)));
  // The photo is shown at half its size, 384x288, and the drawing over it likewise.
  const half = () => new DOMRect(0, 0, 384, 288);
  vi.spyOn(HTMLImageElement.prototype, "getBoundingClientRect").mockImplementation(half);
  vi.spyOn(SVGElement.prototype, "getBoundingClientRect").mockImplementation(half);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const row = (key: string) => screen.getByTestId(`review-row-${key}`);
const queueRequests = () => server.requests.filter((r) => r.call.startsWith("GET /api/v1/review-queue"));
const feedbackPosts = () => server.requests.filter((r) => r.call === "POST /api/v1/images/5/feedback");

/** `withRoute`: also what the page's address shows, which is where leaving is guarded. */
async function openReview(withRoute = false) {
  const user = userEvent.setup();
  render(
    <>
      {withRoute && <ScreenShown />}
      <ReviewScreen imageId={5} />
    </>,
  );
  await screen.findByRole("table", { name: "Boxes to review" });
  // The label lists come with the models.
  await waitFor(() => expect(screen.getAllByRole("option", { name: "potted plant" }).length).toBeGreaterThan(0));
  return user;
}

describe("ReviewScreen", () => {
  it("lists the boxes above the minimum score to judge, none judged yet", async () => {
    await openReview();
    expect(screen.getByRole("heading", { name: "Photo #5" })).toBeInTheDocument();
    expect(screen.getByText("To review")).toBeInTheDocument();
    expect(within(screen.getByRole("table", { name: "Boxes to review" })).getAllByRole("row")).toHaveLength(1 + 5);
    expect(screen.getByTestId("edit-box-d100")).toHaveClass("tone-unjudged");
    expect(screen.getByTestId("pending-changes")).toHaveTextContent("No unsaved changes");
  });

  it("takes verdicts, a new label, a moved box and a missed object from the keyboard, and saves them in one request", async () => {
    server.on("POST", "/api/v1/images/5/feedback", () =>
      jsonResponse({ ...STORED_DOG, review_state: "reviewed", reviewed_at: "2026-11-25T13:00:00+00:00" } satisfies StoredImage, 200),
    );
    const user = await openReview();

    row("d100").focus();
    await user.keyboard("c");
    row("d101").focus();
    await user.keyboard("x");
    row("d102").focus();
    await user.keyboard("{ArrowRight}");
    row("d104").focus();
    await user.keyboard("l");
    expect(within(row("d104")).getByRole("combobox")).toHaveFocus();
    await user.selectOptions(within(row("d104")).getByRole("combobox"), "dog");
    await user.click(screen.getByRole("button", { name: "Add a box to place" }));
    // The new box has no label until the reviewer picks one, and the picker has the focus.
    const picker = screen.getByRole("combobox", { name: "Label of the drawn object" });
    expect(picker).toHaveFocus();
    expect(picker).toHaveValue("");
    await user.selectOptions(picker, "dog");

    expect(screen.getByTestId("edit-box-d100")).toHaveClass("tone-correct");
    expect(screen.getByTestId("edit-box-d101")).toHaveClass("tone-wrong");
    expect(screen.getByTestId("pending-changes")).toHaveTextContent("5 unsaved changes");
    await user.click(screen.getByRole("button", { name: "Save and mark reviewed" }));

    expect(await screen.findByText("Review saved.")).toBeInTheDocument();
    expect(feedbackPosts()).toHaveLength(1);
    const car = STORED_DOG.predictions[0].detections[2].box;
    expect(feedbackPosts()[0].body).toEqual({
      detections: [
        { detection_id: 100, verdict: "correct" },
        { detection_id: 101, verdict: "not_an_object" },
        // One step is 1% of the photo's shorter side: 6 pixels.
        { detection_id: 102, verdict: "wrong_box", box: { ...car, x1: car.x1 + 6, x2: car.x2 + 6 } },
        { detection_id: 104, verdict: "wrong_label", label: "dog" },
      ],
      missed: [{ label: "dog", box: { x1: 268.8, y1: 201.6, x2: 499.2, y2: 374.4 } }],
      reviewed: true,
      score_threshold: 0.3,
    });
    expect(screen.getByText("Reviewed")).toBeInTheDocument();
  }, 15_000);

  it("says how many boxes the save counts, and accepts only the unjudged boxes shown when asked", async () => {
    server.on("POST", "/api/v1/images/5/feedback", () => jsonResponse({ ...STORED_DOG, review_state: "reviewed" }, 200));
    const user = await openReview();
    const summary = screen.getByTestId("truth-summary");
    expect(summary).toHaveTextContent("Saving counts 0 boxes as this photo’s ground truth: 0 judged as objects, 0 drawn.");
    expect(summary).toHaveTextContent("5 boxes shown have no verdict and will not count");

    row("d101").focus();
    await user.keyboard("x");
    expect(summary).toHaveTextContent("4 boxes shown have no verdict");
    await user.click(screen.getByRole("button", { name: "Mark the 4 unjudged boxes shown correct" }));
    expect(summary).toHaveTextContent("Saving counts 4 boxes as this photo’s ground truth: 4 judged as objects, 0 drawn.");
    await user.click(screen.getByRole("button", { name: "Save and mark reviewed" }));

    await waitFor(() => expect(feedbackPosts()).toHaveLength(1));
    const verdicts = (feedbackPosts()[0].body as { detections: { detection_id: number; verdict: string }[] }).detections;
    // The 0.27 potted plant is below the slider: not shown, so not accepted.
    expect(verdicts.map((v) => [v.detection_id, v.verdict])).toEqual([
      [100, "correct"],
      [101, "not_an_object"],
      [102, "correct"],
      [103, "correct"],
      [104, "correct"],
    ]);
  });

  it("asks before unsaved edits are left behind, by another screen or by closing the tab", async () => {
    window.location.hash = "#/images/5";
    const user = userEvent.setup();
    render(
      <>
        <ScreenShown />
        <ReviewScreen imageId={5} />
      </>,
    );
    await screen.findByRole("table", { name: "Boxes to review" });
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    const leave = async (hash: string) => {
      window.location.hash = hash;
      await new Promise((resolve) => setTimeout(resolve, 50));
    };

    await leave("#/stats");
    expect(confirm).not.toHaveBeenCalled();
    expect(screen.getByTestId("screen-shown")).toHaveTextContent("stats");
    await leave("#/images/5");

    row("d100").focus();
    await user.keyboard("c");
    await leave("#/history");
    expect(confirm).toHaveBeenCalledWith("You have 1 unsaved change on photo #5. Leave without saving them?");
    expect(screen.getByTestId("screen-shown")).toHaveTextContent("review");
    expect(window.location.hash).toBe("#/images/5");
    const closing = new Event("beforeunload", { cancelable: true });
    window.dispatchEvent(closing);
    expect(closing.defaultPrevented).toBe(true);

    confirm.mockReturnValue(true);
    await leave("#/history");
    expect(screen.getByTestId("screen-shown")).toHaveTextContent("history");
  }, 15_000);

  it("shows how many kept photos are reviewed and why the queue offers this one", async () => {
    await openReview();

    expect(await screen.findByText("12 of 40 reviewed")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "12 of 40 reviewed" })).toHaveAttribute("value", "12");
    expect(screen.getByTestId("queue-reasons")).toHaveTextContent(
      "Why this photo: nobody has reviewed it; 2 unjudged boxes score 0.20 to 0.40, close to the 0.30 shown.",
    );
    // Ranked for the boxes the reviewer sees at the slider's default.
    expect(queueRequests()[0].call).toBe("GET /api/v1/review-queue?per_page=2&score_threshold=0.3");
  });

  it("saves, marks reviewed and opens the queue's next photo on Ctrl+Enter, wherever the focus is", async () => {
    window.location.hash = "#/images/5";
    server.on("POST", "/api/v1/images/5/feedback", () => jsonResponse({ ...STORED_DOG, review_state: "reviewed" }, 200));
    const user = await openReview(true);
    const confirm = vi.spyOn(window, "confirm");
    // Once saved, the photo is reviewed and the queue's first is the next one.
    server.on("GET", "/api/v1/review-queue", () => jsonResponse(reviewQueue([{ id: 8 }, { id: 9 }], 13, 40)));

    row("d100").focus();
    await user.keyboard("c");
    await user.keyboard("{Control>}{Enter}{/Control}");

    await waitFor(() => expect(window.location.hash).toBe("#/images/8"));
    await waitFor(() => expect(screen.getByTestId("screen-shown")).toHaveTextContent("review"));
    expect(feedbackPosts()).toHaveLength(1);
    expect(feedbackPosts()[0].body).toEqual({
      detections: [{ detection_id: 100, verdict: "correct" }],
      missed: [],
      reviewed: true,
      score_threshold: 0.3,
    });
    // Everything was stored: nothing to ask about.
    expect(confirm).not.toHaveBeenCalled();
  });

  it("has a focusable Save and next button with its shortcut, and ends at the queue when no photo is left", async () => {
    window.location.hash = "#/images/5";
    server.on("POST", "/api/v1/images/5/feedback", () => jsonResponse({ ...STORED_DOG, review_state: "reviewed" }, 200));
    const user = await openReview();
    server.on("GET", "/api/v1/review-queue", () => jsonResponse(reviewQueue([{ id: 5, reviewed: true }], 40, 40)));
    const button = screen.getByRole("button", { name: "Save and next" });
    expect(button).toHaveAttribute("aria-keyshortcuts", "Control+Enter");

    button.focus();
    expect(button).toHaveFocus();
    await user.keyboard("{Enter}");

    await waitFor(() => expect(window.location.hash).toBe("#/review"));
    expect(feedbackPosts()).toHaveLength(1);
  });

  it("does not leave a drawn box without a label behind silently on Save and next", async () => {
    window.location.hash = "#/images/5";
    server.on("POST", "/api/v1/images/5/feedback", () => jsonResponse({ ...STORED_DOG, review_state: "reviewed" }, 200));
    const user = await openReview(true);
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    await user.click(screen.getByRole("button", { name: "Add a box to place" }));

    await user.keyboard("{Control>}{Enter}{/Control}");

    await waitFor(() =>
      expect(confirm).toHaveBeenCalledWith("You have 1 unsaved change on photo #5. Leave without saving them?"),
    );
    expect(window.location.hash).toBe("#/images/5");
    expect(screen.getByRole("combobox", { name: "Label of the drawn object" })).toBeInTheDocument();
  });

  it("opens the label picker with the focus in it and no label chosen after drawing a box by dragging", async () => {
    const user = await openReview();
    await user.click(screen.getByRole("button", { name: "Draw a missed object" }));
    const drawing = screen.getByRole("img", { name: "Drag on the photo to draw the missed object" });
    fireEvent.pointerDown(drawing, { clientX: 20, clientY: 20, pointerId: 1 });
    fireEvent.pointerMove(drawing, { clientX: 80, clientY: 70, pointerId: 1 });
    fireEvent.pointerUp(drawing, { pointerId: 1 });

    const picker = await screen.findByRole("combobox", { name: "Label of the drawn object" });
    expect(picker).toHaveFocus();
    expect(picker).toHaveValue("");
    expect(screen.getByTestId("pending-changes")).toHaveTextContent("No unsaved changes");
    await user.selectOptions(picker, "cat");
    expect(screen.getByTestId("pending-changes")).toHaveTextContent("1 unsaved change");
    expect(within(row("n1")).getByRole("combobox")).toHaveValue("cat");
  });

  it("names the verdicts with one vocabulary: the buttons, the legend and the rows", async () => {
    const user = await openReview();
    row("d101").focus();
    await user.keyboard("x");

    expect(within(row("d101")).getByRole("button", { name: "Not an object" })).toHaveAttribute("aria-pressed", "true");
    expect(row("d101")).toHaveAccessibleName(/, not an object$/);
    expect(screen.getByText("not an object", { selector: ".review-legend" })).toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(/\bwrong\b/i);
  });

  it("moves a box's corner where the pointer drags it", async () => {
    await openReview();
    fireEvent.click(row("d100"));
    const corner = screen.getByTestId("handle-se");
    const dog = STORED_DOG.predictions[0].detections[0].box;
    fireEvent.pointerDown(corner, { clientX: dog.x2 / 2, clientY: dog.y2 / 2, pointerId: 1 });
    const drawing = screen.getByRole("img", { name: /boxes to review/ });
    fireEvent.pointerMove(drawing, { clientX: dog.x2 / 2 + 10, clientY: dog.y2 / 2 + 5, pointerId: 1 });
    fireEvent.pointerUp(drawing, { pointerId: 1 });

    const box = screen.getByTestId("edit-box-d100");
    expect(box).toHaveClass("tone-fixed");
    // 10 and 5 screen pixels at half size are 20 and 10 photo pixels.
    expect(Number(box.getAttribute("width"))).toBeCloseTo((dog.x2 + 20 - dog.x1) / 2, 1);
    expect(Number(box.getAttribute("height"))).toBeCloseTo((dog.y2 + 10 - dog.y1) / 2, 1);
  });

  it("shows why saving failed and keeps the edits to try again", async () => {
    server.on("POST", "/api/v1/images/5/feedback", () =>
      errorResponse(422, "box_outside_image", "missed[1]: the box (0, 0, 900, 10) is outside the 768x576 image"),
    );
    const user = await openReview();
    row("d100").focus();
    await user.keyboard("c");
    await user.click(screen.getByRole("button", { name: "Save and mark reviewed" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Saving the review failed");
    expect(alert).toHaveTextContent("is outside the 768x576 image");
    expect(screen.getByTestId("pending-changes")).toHaveTextContent("1 unsaved change");
  });
});
