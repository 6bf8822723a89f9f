import { defineConfig } from "@playwright/test";
import path from "node:path";

/**
 * End-to-end tests against a running Sightline server with its real models: `make test-e2e` starts
 * one and points SIGHTLINE_URL at it, and a second one started with SIGHTLINE_API_KEYS for the API key
 * spec (SIGHTLINE_URL_WITH_KEYS). The browser is Debian's chromium; Playwright's own download is not
 * reachable from these machines.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Written by webcam.spec.ts before the camera is opened (Chromium reads it when capture starts). */
export const FAKE_CAMERA_VIDEO = path.resolve(import.meta.dirname, "test-results/fake-camera-dog.y4m");

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright",
  // One CPU-bound model server: tests in parallel would only slow each other down.
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [["list"]],
  projects: [
    { name: "open", testIgnore: ["api-key.spec.ts", "webcam.spec.ts"] },
    // Chromium's fake camera plays the y4m video that webcam.spec.ts writes from a sample photo.
    {
      name: "webcam",
      testMatch: "webcam.spec.ts",
      use: {
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            ...CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            `--use-file-for-fake-video-capture=${FAKE_CAMERA_VIDEO}`,
          ],
        },
      },
    },
    { name: "api-keys", testMatch: "api-key.spec.ts", use: { baseURL: process.env.SIGHTLINE_URL_WITH_KEYS } },
  ],
  use: {
    baseURL: process.env.SIGHTLINE_URL ?? "http://127.0.0.1:8000",
    viewport: { width: 1280, height: 900 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    },
  },
});
