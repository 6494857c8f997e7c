// Loads a TypeScript module of src/ for the unit tests (esbuild in memory, no build output).
import { build } from "esbuild";

export async function loadTs(rel) {
  const out = await build({
    entryPoints: [new URL(`../src/${rel}`, import.meta.url).pathname],
    bundle: true,
    format: "esm",
    write: false,
    define: { __VERSION__: '"test"' },
  });
  const code = Buffer.from(out.outputFiles[0].contents).toString("base64");
  return import(`data:text/javascript;base64,${code}`);
}
