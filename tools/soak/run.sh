#!/usr/bin/env bash
# `npm run soak [-- --minutes N --rate R]`: builds the services (cached when nothing changed), then the soak.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/ensure-deps.sh >&2
NX_DAEMON=false npx nx run-many -t build --projects=tag:type:app --outputStyle=static >&2
npx tsx tools/soak/soak.ts "$@"
