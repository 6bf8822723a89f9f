/** A stand-in for the Sightline API in component tests: routes by method and path, records the requests. */
import { vi } from "vitest";

export type Handler = (request: { url: URL; init: RequestInit; body: unknown }) => Response | Promise<Response>;

export interface FakeServer {
  fetch: ReturnType<typeof vi.fn>;
  /** Requests made so far, as "METHOD /path?query", with their parsed JSON bodies. */
  requests: { call: string; body: unknown }[];
  on: (method: string, path: string | RegExp, handler: Handler) => void;
}

export function installFakeServer(): FakeServer {
  const routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  const requests: FakeServer["requests"] = [];
  const fetch = vi.fn(async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, "http://sightline");
    const method = (init.method ?? "GET").toUpperCase();
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    requests.push({ call: `${method} ${url.pathname}${url.search}`, body });
    // Later routes win, so a test can override a default answer.
    const route = [...routes]
      .reverse()
      .find((r) => r.method === method && (typeof r.path === "string" ? r.path === url.pathname : r.path.test(url.pathname)));
    if (!route) return new Response(JSON.stringify({ error: { code: "not_found", message: `no route ${method} ${url.pathname}`, request_id: null } }), { status: 404 });
    return route.handler({ url, init, body });
  });
  vi.stubGlobal("fetch", fetch);
  return { fetch, requests, on: (method, path, handler) => routes.push({ method, path, handler }) };
}
