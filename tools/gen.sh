#!/usr/bin/env bash
# Regenerate everything in gen/ from protos/ (offline): Python stubs, the partner SDK, the Envoy descriptor set.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
python tools/googleapis.py .build/googleapis
rm -rf gen/python/socialproof gen/sdk/python/src/socialproof_sdk gen/descriptors
mkdir -p gen/python gen/sdk/python/src/socialproof_sdk gen/descriptors
buf generate
# Regular packages (not namespace packages) so tools and type checkers see socialproof.<domain>.v1.
find gen/python/socialproof -type d -exec sh -c 'touch "$1/__init__.py"' _ {} \;
buf build --as-file-descriptor-set -o gen/descriptors/socialproof.binpb
echo "gen: $(find gen/python/socialproof -name '*_pb2.py' | wc -l) proto modules, SDK and descriptor set written"
# The TypeScript client (dashboard, partners) from the same contracts.
tools/gen_ts.sh
