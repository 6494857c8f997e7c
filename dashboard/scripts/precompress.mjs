// Writes .br and .gz beside every built asset: the edge serves them by accept-encoding, because
// compressing on the fly in Envoy is slow (INFRA-NOTES). Prints the sizes (docs/dashboard.md).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const walk = (dir) =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const sizes = {};
for (const file of walk(dist)) {
  if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 });
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(file + ".gz", gz);
  writeFileSync(file + ".br", br);
  sizes[file.slice(dist.length)] = { raw: raw.length, gzip: gz.length, brotli: br.length };
}
// Printed, not written into dist/: everything in dist/ is served.
console.log(JSON.stringify(sizes, null, 2));
