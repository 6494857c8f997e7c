"""Sticky A/B and holdout assignment: a pure function of (experiment id, visitor id) (same in the widget)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BUCKETS = 10_000
MAX_HOLDOUT_BASIS_POINTS = 5_000
HOLDOUT = "holdout"

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv1a_32(data: bytes) -> int:
    """FNV-1a, 32 bit: the hash the widget implements too (Math.imul in TypeScript)."""
    h = _FNV_OFFSET
    for byte in data:
        h ^= byte
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


def bucket_of(experiment_id: str, visitor_id: str) -> int:
    """0..9999; UTF-8 of `experiment_id + ":" + visitor_id`."""
    return fnv1a_32(f"{experiment_id}:{visitor_id}".encode()) % BUCKETS


@dataclass(frozen=True, slots=True)
class Arm:
    """One variant and its relative weight (1..10000)."""

    variant_id: str
    weight: int


def assign(experiment_id: str, visitor_id: str, arms: Sequence[Arm], holdout_basis_points: int) -> str:
    """The visitor's arm: HOLDOUT, a variant id, or "" when there are no variants (not held out).

    Buckets below the holdout share are the holdout; the rest are split in the variants' order into
    ranges [floor(R*c_i/T), floor(R*c_{i+1}/T)) of positions (R remaining buckets, c cumulative
    weights, T total weight). Integer arithmetic only, so the widget gets exactly the same answer.
    """
    if not 0 <= holdout_basis_points <= MAX_HOLDOUT_BASIS_POINTS:
        raise ValueError("holdout_basis_points must be within 0..5000")
    bucket = bucket_of(experiment_id, visitor_id)
    if bucket < holdout_basis_points:
        return HOLDOUT
    if not arms:
        return ""
    total = sum(a.weight for a in arms)
    if total <= 0 or any(a.weight <= 0 for a in arms):
        raise ValueError("variant weights must be positive")
    remaining = BUCKETS - holdout_basis_points
    position = bucket - holdout_basis_points
    cumulative = 0
    for arm in arms:
        cumulative += arm.weight
        if position < remaining * cumulative // total:
            return arm.variant_id
    return arms[-1].variant_id  # unreachable: the last boundary is `remaining`
