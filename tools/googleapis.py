"""Copy the googleapis protos we import (google/api, google/rpc) from the installed
googleapis-common-protos package into .build/googleapis, a local buf module, so buf never needs the BSR."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import google.api  # from googleapis-common-protos
import google.rpc

WANTED = {
    "google/api": [
        "annotations.proto",
        "http.proto",
        "httpbody.proto",
        "field_behavior.proto",
        "resource.proto",
    ],
    "google/rpc": ["status.proto", "error_details.proto", "code.proto"],
}


def main(dest: Path) -> None:
    roots = {"google/api": Path(google.api.__path__[0]), "google/rpc": Path(google.rpc.__path__[0])}
    for sub, names in WANTED.items():
        out = dest / sub
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            src = roots[sub] / name
            if not src.exists():
                sys.exit(f"googleapis-common-protos has no {sub}/{name}; reinstall it (make setup)")
            target = out / name
            if not target.exists() or target.read_bytes() != src.read_bytes():
                shutil.copyfile(src, target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".build/googleapis"))
