// Builds dist/sp-<version>.js (minified IIFE) plus pre-compressed .br and .gz for the edge, and
// dist/manifest.json naming the current file. Fails when the gzipped size exceeds the budget.
import { gzipAsync } from "@gfx/zopfli";
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";

const BUDGET_GZIP_BYTES = 8 * 1024;
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url)));
const dist = new URL("./dist/", import.meta.url);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

const out = await build({
  entryPoints: [new URL("./src/main.ts", import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari14"],
  define: { __VERSION__: JSON.stringify(version) },
  legalComments: "none",
  write: false,
});
const js = Buffer.from(out.outputFiles[0].contents);
const name = `sp-${version}.js`;
// zopfli: standard gzip any browser inflates, ~3% smaller than zlib -9; it is what the edge serves
const gz = Buffer.from(await gzipAsync(js, { numiterations: 15 }));
const br = brotliCompressSync(js, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: js.length },
});
writeFileSync(new URL(name, dist), js);
writeFileSync(new URL(name + ".gz", dist), gz);
writeFileSync(new URL(name + ".br", dist), br);
const manifest = { version, file: name, bytes: js.length, gzip_bytes: gz.length, brotli_bytes: br.length };
writeFileSync(new URL("manifest.json", dist), JSON.stringify(manifest, null, 1) + "\n");
console.log(JSON.stringify(manifest));
if (gz.length > BUDGET_GZIP_BYTES) {
  console.error(`widget is ${gz.length} B gzipped, over the ${BUDGET_GZIP_BYTES} B budget`);
  process.exit(1);
}
