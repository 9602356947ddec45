# Sourced by the tools/containers scripts: picks the container engine and, for podman, keeps its images,
# layers and configuration inside the repository's git-ignored .cache/containers.
#   CONTAINER_ENGINE=docker|podman   overrides the choice (default: docker when its daemon answers).
# Podman here needs settings the defaults get wrong on these machines: runc instead of crun, limits below
# the host's hard ones (both runtimes fail with "setrlimit RLIMIT_NOFILE/NPROC: Operation not permitted"
# when asked for podman's default 1048576 open files), and host networking (no bridge setup needed, and
# the package registries are reached directly).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
containers_cache="${repo_root}/.cache/containers"
mkdir -p "${containers_cache}"

if [[ -z "${CONTAINER_ENGINE:-}" ]]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    CONTAINER_ENGINE=docker
  else
    CONTAINER_ENGINE=podman
  fi
fi
export CONTAINER_ENGINE

if [[ "${CONTAINER_ENGINE}" == podman ]]; then
  # The storage lives in .cache so a rebuild reuses layers and `rm -rf .cache` forgets everything.
  cat >"${containers_cache}/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "${containers_cache}/storage"
runroot = "${containers_cache}/run"
CONF
  cat >"${containers_cache}/containers.conf" <<CONF
[engine]
runtime = "runc"
events_logger = "file"
cgroup_manager = "cgroupfs"
[containers]
netns = "host"
# Raising a limit to the host's hard limit is refused here; lowering is always allowed.
default_ulimits = ["nofile=16384:16384", "nproc=8192:8192"]
CONF
  export CONTAINERS_STORAGE_CONF="${containers_cache}/storage.conf"
  export CONTAINERS_CONF="${containers_cache}/containers.conf"
fi

engine() { "${CONTAINER_ENGINE}" "$@"; }

# Builds with the engine's own flags: podman's chroot isolation and host network work without privileges
# that these machines refuse; docker's BuildKit needs nothing extra.
# A CA bundle the host trusts beyond the public ones (a proxy that re-signs TLS) reaches the recipe's
# npm steps as the build secret `ca`, never as a layer. Docker format keeps the recipe's HEALTHCHECK.
engine_build() {
  local secret=()
  [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -f "${NODE_EXTRA_CA_CERTS}" ]] && secret=(--secret "id=ca,src=${NODE_EXTRA_CA_CERTS}")
  if [[ "${CONTAINER_ENGINE}" == podman ]]; then
    podman build --isolation chroot --network host --layers --format docker "${secret[@]}" "$@"
  else
    DOCKER_BUILDKIT=1 docker build "${secret[@]}" "$@"
  fi
}

image_size() { engine image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'; }
