#!/usr/bin/env bash
# Makes a fresh clone on a fresh machine runnable: node_modules from the lockfile, and the Debian tools
# the services shell out to. Kafka and the MongoDB-wire server are provisioned (and cached) by tools/infra.
set -euo pipefail
cd "$(dirname "$0")/../.."

# npm ci only when the installed tree is missing or older than the lockfile: a second run costs nothing.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing node modules (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

# Debian packages: ffmpeg/ffprobe (encoder), poppler-utils (PDF previews), kcat (event inspection), prlimit.
missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v kcat >/dev/null || missing+=(kcat)
# prlimit (util-linux) puts the encoder's tools under CPU and memory limits; minimal images may lack it.
command -v prlimit >/dev/null || missing+=(util-linux)
# unshare and setpriv (util-linux too) isolate those tools: no network, an unprivileged user.
{ command -v unshare >/dev/null && command -v setpriv >/dev/null; } || missing+=(util-linux)
# promtool checks the alerting rules (tools/deploy/validate.sh); podman, runc and mmdebstrap build and run
# the images and the containers tier (tools/containers). uidmap/slirp4netns/fuse-overlayfs are podman's
# usual companions for when it runs rootless.
command -v promtool >/dev/null || missing+=(prometheus)
command -v podman >/dev/null || missing+=(podman uidmap slirp4netns fuse-overlayfs)
# catatonit: the pause process of podman pods (`podman kube play`).
command -v catatonit >/dev/null || missing+=(catatonit)
command -v runc >/dev/null || missing+=(runc)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
# chromium: the headless browser the console's end-to-end test drives (puppeteer-core downloads none).
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "[setup] please install: ${missing[*]} (needs root)" >&2
    exit 1
  fi
  sudo_cmd=""
  [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
  echo "[setup] installing Debian packages: ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
