// Build config: served by the edge under /app/ with content-hashed file names (immutable caching).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  base: "/app/",
  resolve: {
    alias: { "@gen": here("../gen/sdk/ts") },
    // gen/sdk/ts lives outside this package: resolve its runtime import from our node_modules.
    dedupe: ["@bufbuild/protobuf"],
  },
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // One JS and one CSS file: the app is small, and fewer requests beat finer caching on first load.
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    // Flat dist/ (no assets/ folder): the edge's static routes (envoy/meshconfig/static.py) list one directory.
    assetsDir: "",
  },
  server: { port: 5173, strictPort: true },
});
