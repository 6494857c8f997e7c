"""Root test configuration: loads the real-infrastructure fixtures of shared.devstack.pytest_fixtures."""

from __future__ import annotations

import pytest

_FIXTURES = "shared.devstack.pytest_fixtures"


def pytest_configure(config: pytest.Config) -> None:
    # pytest allows `pytest_plugins` only in the rootdir conftest; register the fixture plugin
    # here unless pyproject's addopts (`-p shared.devstack.pytest_fixtures`) already did, which is
    # what makes the fixtures visible to services/*/tests as well.
    if not config.pluginmanager.has_plugin(_FIXTURES):
        config.pluginmanager.import_plugin(_FIXTURES)
