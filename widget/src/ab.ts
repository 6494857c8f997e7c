// Sticky A/B and holdout assignment, identical to services/notifications/domain/experiments.py
// (shared vectors: services/notifications/domain/ab_vectors.json). Integer arithmetic only, so both
// languages give the same answer for every visitor.

export const HOLDOUT = "holdout";

export interface Arm {
  variant_id: string;
  weight: number;
}

/** FNV-1a 32-bit over the UTF-8 bytes of `s`. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** 0..9999 for (experiment, visitor). */
export const bucketOf = (experimentId: string, visitorId: string): number =>
  fnv1a32(experimentId + ":" + visitorId) % 10000;

/** HOLDOUT, a variant id, or "" when there are no variants and the visitor is not held out. */
export function assign(experimentId: string, visitorId: string, arms: Arm[], holdoutBp: number): string {
  const bucket = bucketOf(experimentId, visitorId);
  if (bucket < holdoutBp) return HOLDOUT;
  if (!arms.length) return "";
  const total = arms.reduce((t, a) => t + a.weight, 0);
  const remaining = 10000 - holdoutBp;
  const position = bucket - holdoutBp;
  let cumulative = 0;
  for (const a of arms) {
    cumulative += a.weight;
    if (position < Math.floor((remaining * cumulative) / total)) return a.variant_id;
  }
  return arms[arms.length - 1].variant_id;
}
