#!/usr/bin/env bash
# buf breaking (FILE rules) of the working tree's protos/ against the previous commit of main.
# The googleapis module is not in git (it is copied from the pip package at build time), so the
# previous commit's protos are built into an image here instead of passing buf a git ref.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
python tools/googleapis.py .build/googleapis
# Against HEAD when the tree has uncommitted proto changes, else against HEAD's parent.
if [ -n "$(git status --porcelain -- protos/ 2>/dev/null)" ]; then ref=HEAD; else ref=HEAD~1; fi
if ! git rev-parse -q --verify "$ref^{commit}" >/dev/null || [ -z "$(git ls-tree -r --name-only "$ref" -- protos/ 2>/dev/null)" ]; then
  echo "breaking: no earlier protos/ at $ref to compare against; nothing to check"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
git archive "$ref" protos buf.yaml | tar -x -C "$tmp"
mkdir -p "$tmp/.build" && cp -r .build/googleapis "$tmp/.build/"
# Both sides as single images of our module only (the googleapis module is not ours to check).
(cd "$tmp" && buf build protos -o "$tmp/against.binpb")
buf build protos -o "$tmp/current.binpb"
buf breaking "$tmp/current.binpb" --against "$tmp/against.binpb"
echo "breaking: protos/ is compatible with $ref"
