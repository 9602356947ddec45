#!/usr/bin/env bash
# Provisions the MongoDB-wire test server (mongo-java-server, chosen by tools/db-eval; see its README)
# into ${INFRA_CACHE_DIR:-<repo>/.cache}/mongo-java-server/<version>/.
#
# Idempotent: a completion marker holds a hash of the inputs (pom + launcher source), so a second run
# only hashes two files and exits; editing either file re-provisions. Concurrent runs (parallel test
# workers) serialise on a lock file instead of racing each other.
#
# Progress goes to stderr. The LAST line on stdout is a JSON object with what a launcher needs:
#   {"java":"...","classpath":"...","mainClass":"Launcher","version":"...","home":"..."}
# Run as: java -cp <classpath> Launcher <port> <memory|h2> [h2file]
set -euo pipefail

MONGO_JAVA_SERVER_VERSION="1.47.0" # keep in step with tools/infra/mongo/pom.xml

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
src_dir="${script_dir}/mongo"
cache_root="${INFRA_CACHE_DIR:-${repo_root}/.cache}"
base_dir="${cache_root}/mongo-java-server"
home="${base_dir}/${MONGO_JAVA_SERVER_VERSION}"
marker="${home}/.provisioned"

log() { printf '[provision-mongo] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# JAVA_HOME wins so a CI image can pin a JDK; otherwise whatever is on PATH (17+ needed for the launcher).
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
  java_bin="${JAVA_HOME}/bin/java"
  javac_bin="${JAVA_HOME}/bin/javac"
else
  java_bin="$(command -v java || true)"
  javac_bin="$(command -v javac || true)"
fi
[[ -n "${java_bin}" ]] || die "java not found (need a JDK 17+ on PATH or JAVA_HOME)"

inputs_hash() {
  # The version is part of the hash too, so a version bump in this script alone also invalidates.
  { printf '%s\n' "${MONGO_JAVA_SERVER_VERSION}"; cat "${src_dir}/pom.xml" "${src_dir}/Launcher.java"; } | sha256sum | cut -d' ' -f1
}

emit() {
  printf '{"java":"%s","classpath":"%s","mainClass":"Launcher","version":"%s","home":"%s"}\n' \
    "${java_bin}" "${home}/classes:${home}/jars/*" "${MONGO_JAVA_SERVER_VERSION}" "${home}"
}

want="$(inputs_hash)"
# Fast path without taking the lock: the marker is only written after everything else is in place.
if [[ -f "${marker}" && "$(cat "${marker}")" == "${want}" ]]; then
  emit
  exit 0
fi

mkdir -p "${base_dir}"
exec 9>"${base_dir}/.lock"
flock 9
# Another process may have finished while we waited for the lock.
if [[ -f "${marker}" && "$(cat "${marker}")" == "${want}" ]]; then
  emit
  exit 0
fi

command -v mvn >/dev/null || die "mvn not found (needed once, to fetch mongo-java-server from Maven Central)"
[[ -n "${javac_bin}" && -x "${javac_bin}" ]] || die "javac not found (need a JDK, not a JRE)"

started=$(date +%s)
# Build next to the final directory and rename at the end, so an interrupted run never looks complete.
staging="$(mktemp -d "${base_dir}/.staging.XXXXXX")"
trap 'rm -rf "${staging}"' EXIT

log "resolving mongo-java-server ${MONGO_JAVA_SERVER_VERSION} jars"
# Debian's Maven 3.8 prints bare ANSI resets even with -q -B; strip them (pipefail keeps mvn's exit status).
mvn -q -B -f "${src_dir}/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="${staging}/jars" 2>&1 \
  | sed -E 's/\x1b\[[0-9;]*m//g; /^[[:space:]]*$/d' >&2

# Precompiled rather than single-file source launch: saves ~0.6 s of javac on every server start.
log "compiling launcher"
mkdir -p "${staging}/classes"
"${javac_bin}" --release 17 -nowarn -cp "${staging}/jars/*" -d "${staging}/classes" "${src_dir}/Launcher.java" >&2

rm -rf "${home}"
mv "${staging}" "${home}"
trap - EXIT
printf '%s\n' "${want}" > "${marker}"
log "provisioned ${home} in $(( $(date +%s) - started )) s"
emit
