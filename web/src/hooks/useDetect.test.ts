import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DOG_RESULT, jsonResponse } from "../test/fixtures";
import { useDetect } from "./useDetect";

afterEach(() => vi.unstubAllGlobals());

describe("useDetect", () => {
  it("shows the answer to the latest request even when an earlier one answers later", async () => {
    const answers: ((response: Response) => void)[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(() => new Promise<Response>((resolve) => answers.push(resolve))),
    );
    const { result } = renderHook(() => useDetect());
    const photo = new Blob(["x"], { type: "image/jpeg" });
    act(() => void result.current.run(photo, { model: "nanodet" }));
    act(() => void result.current.run(photo, { model: "centernet" }));

    await act(async () => answers[1](jsonResponse({ ...DOG_RESULT, model: { name: "centernet", version: "1" } })));
    await act(async () => answers[0](jsonResponse(DOG_RESULT)));

    await waitFor(() => expect(result.current.state.status).toBe("done"));
    const state = result.current.state;
    expect(state.status === "done" && state.result.model.name).toBe("centernet");
  });
});
