"""A/B and holdout assignment: shared vectors, stickiness and the distribution over 100k visitors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from services.notifications.domain.experiments import HOLDOUT, Arm, assign, bucket_of, fnv1a_32

VECTORS = json.loads((Path(__file__).parents[1] / "domain" / "ab_vectors.json").read_text())


def test_fnv1a_reference_values() -> None:
    for vector in VECTORS["hash_vectors"]:
        assert fnv1a_32(vector["input"].encode()) == vector["fnv1a32"]


@pytest.mark.parametrize(
    "case", VECTORS["cases"], ids=lambda c: f"{c['experiment_id'][:8]}:{c['visitor_id'][:8]}"
)
def test_shared_vectors(case: dict) -> None:  # type: ignore[type-arg]
    assert bucket_of(case["experiment_id"], case["visitor_id"]) == case["bucket"]
    arms = [Arm(v["variant_id"], v["weight"]) for v in case["variants"]]
    assert (
        assign(case["experiment_id"], case["visitor_id"], arms, case["holdout_basis_points"])
        == case["expected"]
    )


def test_vectors_cover_holdout_and_every_arm() -> None:
    outcomes = Counter(c["expected"] for c in VECTORS["cases"])
    assert outcomes[HOLDOUT] > 0 and outcomes["a"] > 0 and outcomes["b"] > 0 and outcomes[""] > 0


@pytest.mark.parametrize(
    ("weights", "holdout"),
    [((1, 1), 0), ((70, 30), 1000), ((1, 2, 3), 500), ((5, 5, 5, 5, 80), 5000)],
)
def test_distribution_within_two_percent_over_100k_visitors(weights: tuple[int, ...], holdout: int) -> None:
    arms = [Arm(f"v{i}", w) for i, w in enumerate(weights)]
    n = 100_000
    counts = Counter(assign("exp-dist", f"visitor-{i}", arms, holdout) for i in range(n))
    assert abs(counts[HOLDOUT] / n - holdout / 10_000) <= 0.02
    total = sum(weights)
    for arm in arms:
        expected = (1 - holdout / 10_000) * arm.weight / total
        assert abs(counts[arm.variant_id] / n - expected) <= 0.02, (arm, counts)


def test_sticky_and_independent_across_experiments() -> None:
    arms = [Arm("a", 1), Arm("b", 1)]
    first = [assign("exp-1", f"v{i}", arms, 0) for i in range(2000)]
    assert first == [assign("exp-1", f"v{i}", arms, 0) for i in range(2000)]
    other = [assign("exp-2", f"v{i}", arms, 0) for i in range(2000)]
    agreement = sum(x == y for x, y in zip(first, other, strict=True)) / 2000
    assert 0.4 < agreement < 0.6  # a new experiment id reshuffles visitors


def test_growing_holdout_only_moves_visitors_into_it() -> None:
    arms = [Arm("a", 1)]
    small = {f"v{i}": assign("e", f"v{i}", arms, 100) for i in range(5000)}
    large = {f"v{i}": assign("e", f"v{i}", arms, 1000) for i in range(5000)}
    assert all(large[v] == HOLDOUT for v, arm in small.items() if arm == HOLDOUT)


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        assign("e", "v", [Arm("a", 1)], 5001)
    with pytest.raises(ValueError):
        assign("e", "v", [Arm("a", 0), Arm("b", 1)], 0)
