/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Flask API serves the built app at "/"; in development Vite serves it and forwards the API.
const apiTarget = process.env.SIGHTLINE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    // The example photos on the Detect screen are the repository's samples/, one folder up.
    fs: { allow: [".", "../samples"] },
    proxy: {
      "/api": apiTarget,
      "/readyz": apiTarget,
    },
  },
  css: {
    // Bulma 1.0's Sass predates the current Sass deprecations; its warnings are not ours to fix.
    preprocessorOptions: { scss: { quietDeps: true, silenceDeprecations: ["if-function"] } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Compiling Bulma's Sass is most of the build; being told so on every build is noise.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // Panzoom's package is "type": "module" but its "main" is a UMD file; Node needs its ES build.
    alias: { "@panzoom/panzoom": "@panzoom/panzoom/dist/panzoom.es.js" },
  },
});
