#!/usr/bin/env bash
# `npm run bench`: the upload benchmark (not a test). Builds the services first; Nx's build cache makes
# that a few seconds when dist/ is current and rebuilds exactly what is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/ensure-deps.sh >&2
echo "[bench] building the services (cached when nothing changed)" >&2
NX_DAEMON=false npx nx run-many -t build --projects=tag:type:app --outputStyle=static >&2
exec npx tsx tools/bench/upload.bench.ts "$@"
