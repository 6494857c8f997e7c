"""The contract gates CI relies on: gen-check catches an unregenerated .proto, breaking catches a
renumbered field. Both run on a throwaway clone of the committed tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    # Reuse the project's environments (tools call .venv/bin/... and the TypeScript generator from
    # dashboard/node_modules, relative to the checkout).
    (target / ".venv").symlink_to(ROOT / ".venv")
    (target / "dashboard" / "node_modules").symlink_to(ROOT / "dashboard" / "node_modules")
    for name in ("user.email", "user.name"):
        subprocess.run(["git", "-C", str(target), "config", name, "ci@socialproof.local"], check=True)
    return target


def run(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(list(args), cwd=clone, env=env, capture_output=True, text=True, timeout=300)


def test_gen_check_passes_on_the_committed_tree_and_fails_on_an_unregenerated_proto(clone: Path) -> None:
    first = run(clone, "tools/gen_check.sh")
    assert first.returncode == 0, first.stderr
    proto = clone / "protos/socialproof/common/v1/common.proto"
    proto.write_text(
        proto.read_text().replace(
            "message TimeRange {",
            "// Added without regenerating.\nmessage Unregenerated {\n  // A field.\n  string x = 1;\n}\n\n"
            "message TimeRange {",
        )
    )
    result = run(clone, "tools/gen_check.sh")
    assert result.returncode != 0
    assert "gen/ is out of date" in result.stderr, result.stderr


def test_breaking_refuses_a_renumbered_field_and_accepts_an_added_one(clone: Path) -> None:
    proto = clone / "protos/socialproof/common/v1/common.proto"
    original = proto.read_text()
    proto.write_text(original.replace("string currency_code = 2;", "string currency_code = 3;"))
    result = run(clone, "tools/breaking.sh")
    assert result.returncode != 0
    assert "currency_code" in result.stdout + result.stderr

    proto.write_text(
        original.replace(
            "string country_code = 3;\n",
            "string country_code = 3;\n  // Postal code.\n  string postal_code = 4;\n",
        )
    )
    result = run(clone, "tools/breaking.sh")
    assert result.returncode == 0, result.stdout + result.stderr
