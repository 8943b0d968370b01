import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// In development the page runs on Vite's server and /api goes to the backend (`make run` serves it on :8000).
const backend = process.env.FRAUDOPS_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": { target: backend, changeOrigin: false } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    css: false,
  },
});
