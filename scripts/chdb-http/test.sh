#!/usr/bin/env bash
# Runs sluice's ClickHouse integration tests against a current ClickHouse release: libchdb
# (ClickHouse as a library, from npm) behind chdb_http.py. With arguments, runs `go test` with
# them instead (e.g. -run TestMigrateOldStore ./chstore).
#
#   LIBCHDB=path/to/libchdb.so   use this library instead of fetching it
#   CHDB_LIB_VERSION=26.5.3      the npm version of @chdb/lib-linux-x64-gnu to fetch
#
# Skips (exit 0, saying why) where the library cannot be had: not linux/amd64, no npm or
# python3, or the registry out of reach.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${CHDB_LIB_VERSION:-26.5.3}
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

lib=${LIBCHDB:-}
if [ -z "$lib" ]; then
  if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
    echo "skipped: libchdb from npm is fetched for Linux x86_64 only (set LIBCHDB)"; exit 0
  fi
  for tool in npm python3 tar; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skipped: no $tool"; exit 0; }
  done
  if ! (cd "$work" && npm pack --silent "@chdb/lib-linux-x64-gnu@$version" >/dev/null 2>&1); then
    echo "skipped: npm could not fetch @chdb/lib-linux-x64-gnu@$version"; exit 0
  fi
  tar xzf "$work/chdb-lib-linux-x64-gnu-$version.tgz" -C "$work"
  lib="$work/package/libchdb.so"
fi
command -v python3 >/dev/null 2>&1 || { echo "skipped: no python3"; exit 0; }

python3 "$here/chdb_http.py" "$lib" "$work/data" "$work/port" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 150); do
  [ -s "$work/port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if [ ! -s "$work/port" ]; then
  echo "chdb_http.py did not start:"; cat "$work/log"; exit 1
fi
export SLUICE_CLICKHOUSE_URL="http://127.0.0.1:$(cat "$work/port")/"
curl -fsS --data-binary "SELECT version()" "$SLUICE_CLICKHOUSE_URL" 2>/dev/null | sed 's/^/ClickHouse (libchdb) /' || true
if [ $# -gt 0 ]; then
  go test -count=1 "$@"
else
  go test -count=1 ./chstore
  go test -count=1 -run ClickHouse ./cmd/sluice
fi
