#!/usr/bin/env bash
# `npm run bench [-- NAME ...]`: the benchmarks (not tests). NAME is a tools/bench/NAME.bench.ts
# (upload, events, encoder, processing, images); without one, all of them. Other arguments go to each bench.
# Benches that drive the services build them first; Nx's build cache makes that a few seconds when dist/
# is current and rebuilds exactly what is missing or stale. The encoder bench needs no build or servers.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/ensure-deps.sh >&2

names=()
rest=()
for arg in "$@"; do
  if [ -f "tools/bench/${arg}.bench.ts" ]; then names+=("$arg"); else rest+=("$arg"); fi
done
[ ${#names[@]} -gt 0 ] || names=(upload events encoder processing images)

for name in "${names[@]}"; do
  if [ "$name" != encoder ] && [ -z "${built:-}" ]; then
    echo "[bench] building the services (cached when nothing changed)" >&2
    NX_DAEMON=false npx nx run-many -t build --projects=tag:type:app --outputStyle=static >&2
    built=1
  fi
  echo "[bench] $name" >&2
  npx tsx "tools/bench/${name}.bench.ts" ${rest[@]+"${rest[@]}"}
done
