"""Put the checkout's import roots (repo root, gen/python, envoy/) on the venv's path with a .pth file."""

from __future__ import annotations

import site
from pathlib import Path

root = Path(__file__).resolve().parent.parent
pth = Path(site.getsitepackages()[0]) / "socialproof-dev.pth"
pth.write_text("".join(f"{p}\n" for p in (root, root / "gen" / "python", root / "envoy")))
print(f"import roots written to {pth}")
