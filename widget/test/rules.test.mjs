// Display-rule defaults and the JSON Duration helpers (the transcoder's "1.500s" form).
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./ts.mjs";

const { rules, ms, dur } = await loadTs("feed.ts");

test("defaults follow campaigns.proto", () => {
  const r = rules();
  assert.deepEqual(
    [r.firstDelay, r.display, r.minGap, r.maxGap, r.perPage, r.perSession, r.loop, r.pauseOnHover, r.hideOwn],
    [3000, 7000, 12000, 20000, 10, 30, true, true, true],
  );
  assert.equal(r.skipSeen, 24 * 3600 * 1000);
});

test("set values win, zero skip_seen_within means never skip", () => {
  const r = rules({ first_delay: "0.500s", skip_seen_within: "0s", loop: false, max_per_page: 2 });
  assert.equal(r.firstDelay, 500);
  assert.equal(r.skipSeen, 0);
  assert.equal(r.loop, false);
  assert.equal(r.perPage, 2);
});

test("durations round-trip", () => {
  assert.equal(dur(1500), "1.500s");
  assert.equal(ms(dur(1234), 0), 1234);
  assert.equal(dur(-5), "0.000s");
});
