"""The whole platform on free ports for the end-to-end tests (one per test session)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshconfig import RouteClass, default_topology, with_free_ports
from meshconfig.topology import DEFAULT_ROUTE_CLASSES, with_workers
from shared.devstack.platform import Platform

#: The webhooks class is made tiny here so the rate-limit test needs only a few requests.
WEBHOOK_LIMIT = 3
#: Services run as several worker processes here, as replicas do in production: every end-to-end
#: test then also proves they share state correctly (caches, live fan-out, consumer groups, outboxes).
WORKERS = {"notifications": 2, "integrations": 2}


@pytest.fixture(scope="session")
def platform(devstack_dir: Path) -> Iterator[Platform]:
    # Under devstack_dir, which the unprivileged Postgres user can reach (pytest's tmp dirs are 0700).
    root = devstack_dir / "platform"
    classes = tuple(
        dataclasses.replace(rc, requests_per_second=1, burst=WEBHOOK_LIMIT) if rc.name == "webhooks" else rc
        for rc in DEFAULT_ROUTE_CLASSES
    )
    topology = with_workers(
        with_free_ports(dataclasses.replace(default_topology(), route_classes=classes)), WORKERS
    )
    assert all(isinstance(rc, RouteClass) for rc in topology.route_classes)
    platform = Platform(root, topology, durable=False).start()
    yield platform
    platform.stop()
