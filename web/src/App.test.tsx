import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { getApiKey, saveApiKey } from "./lib/apiKey";
import { installFakeServer, type FakeServer } from "./test/fakeServer";
import { errorResponse, jsonResponse, MODELS } from "./test/fixtures";

let server: FakeServer;

beforeEach(() => {
  server = installFakeServer();
  window.location.hash = "#/";
});
afterEach(() => vi.unstubAllGlobals());

const openKeyDialog = async (user: ReturnType<typeof userEvent.setup>) => {
  await user.click(screen.getByRole("button", { name: "API key" }));
  return screen.getByRole("dialog", { name: "API key" });
};

describe("the API key in the bar at the top", () => {
  it("can be saved before the server asks, changed, and forgotten", async () => {
    server.on("GET", "/api/v1/models", () => jsonResponse({ items: MODELS, total: MODELS.length }));
    const user = userEvent.setup();
    render(<App />);

    let dialog = await openKeyDialog(user);
    expect(within(dialog).getByTestId("api-key-state")).toHaveTextContent("No key saved");
    expect(within(dialog).getByLabelText("API key")).toHaveFocus();
    await user.keyboard("key-one{Enter}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(getApiKey()).toBe("key-one");

    dialog = await openKeyDialog(user);
    expect(within(dialog).getByTestId("api-key-state")).toHaveTextContent("sends a saved key");
    await user.type(within(dialog).getByLabelText("API key"), "key-two");
    await user.click(within(dialog).getByRole("button", { name: "Change the key" }));
    expect(getApiKey()).toBe("key-two");

    dialog = await openKeyDialog(user);
    await user.click(within(dialog).getByRole("button", { name: "Forget the key" }));
    expect(getApiKey()).toBeNull();
    expect(within(dialog).getByTestId("api-key-state")).toHaveTextContent("No key saved");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("once forgotten, stops going to a server that needs it, and the page asks for it again", async () => {
    server.on("GET", "/api/v1/models", ({ init }) =>
      new Headers(init.headers).get("X-API-Key") === "key-one"
        ? jsonResponse({ items: MODELS, total: MODELS.length })
        : errorResponse(401, "unauthorized", "this server needs an API key in the X-API-Key header"),
    );
    saveApiKey("key-one");
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByRole("option", { name: /centernet/ })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    await user.click(within(await openKeyDialog(user)).getByRole("button", { name: "Forget the key" }));
    await user.click(screen.getByRole("button", { name: "Close" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("this server needs an API key");
    expect(within(alert).getByLabelText("API key")).toBeInTheDocument();
    await waitFor(() => expect(server.requests.filter((r) => r.call === "GET /api/v1/models")).toHaveLength(2));
  });
});
