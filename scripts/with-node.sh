#!/usr/bin/env bash
# Run a command under another Node version, taken from the npm registry's
# `node` package (its binary ships in a platform package, so no download
# outside the registry):
#
#   scripts/with-node.sh 24 npx vitest run packages/runtime
#   scripts/with-node.sh 26.10.0 npx -y pnpm@12.4.2 test
#   scripts/with-node.sh 22 node --version
#
# VERSION is a major ("24"), or an exact version ("24.21.0"). A major is
# resolved to its newest release when first fetched and then reused; set
# GORUMS_NODE_REFRESH=1 to fetch the newest again. Binaries are kept in
# GORUMS_NODE_CACHE (default: ~/.cache/gorums-ts/node), outside the repo.
#
# The command runs with that node first on PATH, so `node`, `npm`, `npx` and
# everything they start (pnpm, vitest and its workers, child processes that
# tests spawn with process.execPath or `node`) run under it.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 VERSION COMMAND [ARGS...]   (VERSION: 22, 24, 26 or e.g. 24.21.0)" >&2
  exit 2
fi
version=$1
shift
if ! [[ $version =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]]; then
  echo "with-node: VERSION must be a major (24) or an exact version (24.21.0), not '$version'" >&2
  exit 2
fi

cache=${GORUMS_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gorums-ts/node}
dir=$cache/$version
bin=$dir/node_modules/node/bin

if [ ! -x "$bin/node" ] || [ "${GORUMS_NODE_REFRESH:-}" = 1 ]; then
  echo "with-node: fetching node@$version from the npm registry into $dir" >&2
  mkdir -p "$dir"
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # A private package.json so npm installs into $tmp, not into a parent project.
  echo '{"private":true}' >"$tmp/package.json"
  (cd "$tmp" && npm install --no-save --no-audit --no-fund --loglevel=error "node@$version" >&2)
  if [ ! -x "$tmp/node_modules/node/bin/node" ]; then
    echo "with-node: node@$version installed no binary at node_modules/node/bin/node" >&2
    exit 1
  fi
  rm -rf "$dir/node_modules"
  mv "$tmp/node_modules" "$dir/node_modules"
fi

got=$("$bin/node" --version)
case $version in
  *.*.*) want="v$version" ;;
  *) want="v$version." ;;
esac
if [[ $got != "$want"* ]]; then
  echo "with-node: $bin/node is $got, not $version" >&2
  exit 1
fi
echo "with-node: node $got ($bin/node)" >&2

export PATH="$bin:$PATH"
exec "$@"
