import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";
import { precompressPlugin } from "./scripts/precompress.ts";

// In development the page runs on Vite's server and /api goes to the backend (`make run` serves it on :8000).
const backend = process.env.FRAUDOPS_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), precompressPlugin()],
  server: {
    proxy: { "/api": { target: backend, changeOrigin: false } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Pages are split by route (App.tsx); the charting library is the largest chunk. A warning above this means
    // something pulled a large dependency into a shared chunk.
    chunkSizeWarningLimit: 400,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    css: false,
  },
});
