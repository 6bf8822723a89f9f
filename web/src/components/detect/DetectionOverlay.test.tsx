import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { assignClassColors } from "../../lib/colors";
import { withIndex } from "../../lib/filter";
import { DOG_RESULT } from "../../test/fixtures";
import { byScore, overlayTags } from "../../lib/tagPlacement";
import { DetectionOverlay } from "./DetectionOverlay";

const detections = withIndex(DOG_RESULT.detections);
const colors = assignClassColors(detections);

function renderOverlay(display: { width: number; height: number }, highlighted: number | null = null) {
  const onHighlight = vi.fn();
  const view = render(
    <DetectionOverlay
      detections={detections}
      image={DOG_RESULT.image}
      display={display}
      colors={colors}
      highlighted={highlighted}
      onHighlight={onHighlight}
    />,
  );
  return { ...view, onHighlight };
}

function geometry(testId: string) {
  const rect = screen.getByTestId(testId);
  return ["x", "y", "width", "height"].map((name) => Number(rect.getAttribute(name)));
}

describe("DetectionOverlay", () => {
  it.each([
    ["half size", 384, 288, 0.5],
    ["full size", 768, 576, 1],
    ["double size", 1536, 1152, 2],
  ])("draws the boxes scaled to a photo shown at %s", (_, width, height, scale) => {
    renderOverlay({ width, height });
    const dog = DOG_RESULT.detections[0].box;
    const [x, y, w, h] = geometry("box-0");
    expect(x).toBeCloseTo(dog.x1 * scale, 6);
    expect(y).toBeCloseTo(dog.y1 * scale, 6);
    expect(w).toBeCloseTo((dog.x2 - dog.x1) * scale, 6);
    expect(h).toBeCloseTo((dog.y2 - dog.y1) * scale, 6);
    expect(screen.getByRole("img")).toHaveAttribute("viewBox", `0 0 ${width} ${height}`);
  });

  it("moves the boxes when the displayed size changes", () => {
    const { rerender } = renderOverlay({ width: 768, height: 576 });
    const before = geometry("box-2");
    rerender(
      <DetectionOverlay
        detections={detections}
        image={DOG_RESULT.image}
        display={{ width: 300, height: 225 }}
        colors={colors}
        highlighted={null}
        onHighlight={() => {}}
      />,
    );
    const after = geometry("box-2");
    after.forEach((value, i) => expect(value).toBeCloseTo((before[i] * 300) / 768, 6));
  });

  it("tags each box with its label and score, in its class colour", () => {
    renderOverlay({ width: 768, height: 576 });
    expect(screen.getByTestId("tag-0")).toHaveTextContent("dog 67%");
    expect(screen.getByTestId("tag-5")).toHaveTextContent("potted plant 27%");
    const bicycles = [screen.getByTestId("box-1"), screen.getByTestId("box-3")];
    expect(bicycles[0].getAttribute("stroke")).toBe(bicycles[1].getAttribute("stroke"));
    expect(screen.getByTestId("box-0").getAttribute("stroke")).not.toBe(bicycles[0].getAttribute("stroke"));
    expect(screen.getByTestId("tag-1").style.backgroundColor).toBeTruthy();
  });

  it("reports the box under the pointer and dims the others while one is highlighted", () => {
    const { onHighlight, rerender } = renderOverlay({ width: 768, height: 576 });
    fireEvent.mouseEnter(screen.getByTestId("box-4"));
    expect(onHighlight).toHaveBeenLastCalledWith(4, true);
    fireEvent.mouseLeave(screen.getByTestId("box-4"));
    expect(onHighlight).toHaveBeenLastCalledWith(4, false);

    rerender(
      <DetectionOverlay
        detections={detections}
        image={DOG_RESULT.image}
        display={{ width: 768, height: 576 }}
        colors={colors}
        highlighted={4}
        onHighlight={onHighlight}
      />,
    );
    expect(screen.getByTestId("box-4")).toHaveClass("is-highlighted");
    expect(screen.getByTestId("box-4")).toHaveAttribute("stroke-width", "4");
    expect(screen.getByTestId("box-0")).toHaveClass("is-dimmed");
    expect(screen.getByTestId("tag-0")).toHaveClass("is-dimmed");
  });

  it("draws smaller boxes after larger ones so an inner box can be pointed at", () => {
    renderOverlay({ width: 768, height: 576 });
    const order = [...document.querySelectorAll("rect")].map((rect) => rect.dataset.testid);
    expect(order.indexOf("box-5")).toBeGreaterThan(order.indexOf("box-1"));
    expect(order.indexOf("box-0")).toBeGreaterThan(order.indexOf("box-1"));
  });

  it("zoomed, draws each tag and outline at the inverse scale where the placement on the zoomed photo puts it", () => {
    const display = { width: 384, height: 288 };
    const zoomed = { width: 768, height: 576 };
    render(
      <DetectionOverlay
        detections={detections}
        image={DOG_RESULT.image}
        display={display}
        colors={colors}
        highlighted={null}
        onHighlight={() => {}}
        zoom={2}
      />,
    );
    // The boxes stay in the photo's displayed pixels (the zoom's transform scales them with the photo).
    const dog = DOG_RESULT.detections[0].box;
    expect(geometry("box-0")[0]).toBeCloseTo(dog.x1 / 2, 6);
    expect(screen.getByTestId("box-0")).toHaveAttribute("stroke-width", "1");
    const places = overlayTags(byScore(detections), DOG_RESULT.image, zoomed);
    byScore(detections).forEach((d, rank) => {
      const place = places[rank];
      if (!place) return;
      const tag = screen.getByTestId(`tag-${d.index}`);
      expect(tag.style.transform).toBe("scale(0.5)");
      expect(parseFloat(tag.style.left)).toBeCloseTo(place.x / 2, 6);
      expect(parseFloat(tag.style.top)).toBeCloseTo(place.y / 2, 6);
      expect(parseFloat(tag.style.width)).toBeCloseTo(place.width, 6);
    });
  });
});
