#!/usr/bin/env bash
# `npm run bench`: the upload benchmark (not a test). Builds the services first; Nx's build cache makes
# that a few seconds when dist/ is current and rebuilds exactly what is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/ensure-deps.sh >&2
echo "[bench] building the services (cached when nothing changed)" >&2
NX_DAEMON=false npx nx run-many -t build --projects=tag:type:app --outputStyle=static >&2
# Our own tsconfig: the root one includes only tools/**, and tsx applies compilerOptions (here the
# decorators of the libs that @media/testing loads) only to the files a tsconfig includes.
exec npx tsx --tsconfig tools/bench/tsconfig.json tools/bench/upload.bench.ts "$@"
