#!/usr/bin/env bash
# The README's first command: the whole suite on this machine (Kafka, the MongoDB-wire server and the
# four services), in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/ensure-deps.sh
echo "[start] building the services" >&2
NX_DAEMON=false npx nx run-many -t build --projects=tag:type:app --outputStyle=static >&2
exec npx tsx tools/dev/up.ts "$@"
