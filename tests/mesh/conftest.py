"""Fixtures of the mesh tests (defined in tests/mesh/meshkit.py so test modules can import its helpers)."""

from tests.mesh.meshkit import fixture_descriptor, mesh

__all__ = ["fixture_descriptor", "mesh"]
