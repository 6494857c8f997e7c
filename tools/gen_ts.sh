#!/usr/bin/env bash
# Generate the TypeScript client (gen/sdk/ts) from protos/ with protoc-gen-es, offline and deterministic.
# The plugin is the pinned @bufbuild/protoc-gen-es from dashboard/node_modules (npm ci in dashboard/ first);
# buf comes from the venv. The dashboard imports these files; partners can copy them (connect-web/-node).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
PLUGIN="$PWD/dashboard/node_modules/.bin/protoc-gen-es"
if [ ! -x "$PLUGIN" ]; then
  echo "gen_ts: $PLUGIN missing: run 'npm ci --prefix dashboard' first" >&2
  exit 1
fi
python tools/googleapis.py .build/googleapis
rm -rf gen/sdk/ts
# include_imports: the google/api files our protos import are generated too (the
# well-known types come from @bufbuild/protobuf/wkt). target=ts so Vite and tsc see plain sources.
buf generate --template "$(cat <<YAML
version: v2
clean: false
inputs:
  - directory: protos
  # Not imported by our protos but needed by clients: BadRequest/ErrorInfo decode grpc-status-details-bin.
  - directory: .build/googleapis
    paths: [.build/googleapis/google/rpc/error_details.proto]
plugins:
  - local: ["$PLUGIN"]
    out: gen/sdk/ts
    include_imports: true
    opt:
      - target=ts
      - import_extension=none
YAML
)"
echo "gen_ts: $(find gen/sdk/ts -name '*_pb.ts' | wc -l) TypeScript modules written to gen/sdk/ts"
