#!/usr/bin/env bash
# Serves podman's Docker-compatible API on a socket in .cache/containers, for testcontainers (and any Docker
# client) on machines without a Docker engine. Prints the DOCKER_HOST to use as its last stdout line and
# stays in the foreground: the caller owns the process and stops it (SIGTERM) when done.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engine.sh"
socket="${containers_cache}/podman-$$.sock"
rm -f "${socket}"
podman system service --time=0 "unix://${socket}" &
service=$!
trap 'kill "${service}" 2>/dev/null; rm -f "${socket}"' EXIT TERM INT
# Up to 60 s: a busy machine (or a build holding the storage lock) makes podman slow to start.
for _ in $(seq 1 600); do
  [[ -S "${socket}" ]] && break
  kill -0 "${service}" 2>/dev/null || { echo "podman system service exited" >&2; exit 1; }
  sleep 0.1
done
[[ -S "${socket}" ]] || { echo "podman system service did not open ${socket}" >&2; exit 1; }
echo "unix://${socket}"
wait "${service}"
