#!/usr/bin/env bash
# `npm run bench [-- <name>...]`: the benchmarks (not tests). Names: upload, events, encoder; none = all.
# Builds the services first; Nx's build cache makes that a few seconds when dist/ is current and rebuilds
# exactly what is missing or stale. Each benchmark writes reports/bench/<name>.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/ensure-deps.sh >&2
echo "[bench] building the services (cached when nothing changed)" >&2
NX_DAEMON=false npx nx run-many -t build --projects=tag:type:app --outputStyle=static >&2
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(upload events encoder)
for name in "${names[@]}"; do
  script="tools/bench/$name.bench.ts"
  [ -f "$script" ] || { echo "[bench] no benchmark named $name (have: upload, events, encoder)" >&2; exit 2; }
  echo "[bench] == $name" >&2
  npx tsx "$script"
done
