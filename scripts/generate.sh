#!/usr/bin/env bash
# Regenerates every generated file: the runtime's wire protos, the plugin's
# own options, then (with the freshly built plugin) the plugin's samples, the
# runtime's test protos and every example.
set -euo pipefail
cd "$(dirname "$0")/.."
buf() { node_modules/.bin/buf "$@"; }

buf generate
buf generate --template packages/protoc-gen-gorums-ts/buf.gen.yaml
npx -y pnpm@12.4.2 --filter @gorums/protoc-gen-gorums-ts run build
buf generate --template packages/protoc-gen-gorums-ts/test/buf.gen.yaml
buf generate --template packages/runtime/test/buf.gen.yaml
buf generate --template packages/runtime/test/buf.gen.js.yaml
buf generate --template packages/runtime/bench/buf.gen.yaml
for template in examples/*/buf.gen.yaml; do
  buf generate --template "$template"
done
# The Go interop peer's stubs (interop/go/gen), with the Go plugins the Go
# module pins as tools.
if command -v go >/dev/null 2>&1; then
  buf generate --template interop/go/buf.gen.yaml
  buf generate --template interop/go-release/buf.gen.yaml
else
  echo "generate: go is missing: the interop Go stubs were not regenerated" >&2
fi
