#!/usr/bin/env bash
# Fail when gen/ differs from what protos/ generate (a .proto changed without `make gen`, or a hand edit).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! log=$(tools/gen.sh 2>&1); then
  echo "gen-check: generation failed:" >&2
  echo "$log" >&2
  exit 1
fi
if [ -n "$(git status --porcelain -- gen/)" ]; then
  echo "gen/ is out of date with protos/: run 'make gen' and commit gen/" >&2
  git status --short -- gen/ | head -20 >&2
  exit 1
fi
echo "gen-check: gen/ matches protos/"
