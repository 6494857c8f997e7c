// The widget's A/B + holdout assignment must equal the server's for every shared vector.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { loadTs } from "./ts.mjs";

// One file for both languages (written by the notifications service's tests).
const VECTORS = new URL("../../services/notifications/domain/ab_vectors.json", import.meta.url);
const { fnv1a32, bucketOf, assign, HOLDOUT } = await loadTs("ab.ts");

test("shared vector file exists", () => assert.ok(existsSync(VECTORS), VECTORS.pathname));

test("FNV-1a 32 hash vectors", () => {
  const { hash_vectors } = JSON.parse(readFileSync(VECTORS, "utf8"));
  assert.ok(hash_vectors.length > 0);
  for (const v of hash_vectors) assert.equal(fnv1a32(v.input), v.fnv1a32, JSON.stringify(v.input));
});

test("bucket and assignment vectors", () => {
  const { cases } = JSON.parse(readFileSync(VECTORS, "utf8"));
  assert.ok(cases.length > 0);
  for (const c of cases) {
    const label = `${c.experiment_id}:${c.visitor_id}`;
    assert.equal(bucketOf(c.experiment_id, c.visitor_id), c.bucket, label);
    assert.equal(assign(c.experiment_id, c.visitor_id, c.variants, c.holdout_basis_points), c.expected, label);
  }
  assert.equal(HOLDOUT, "holdout");
});
