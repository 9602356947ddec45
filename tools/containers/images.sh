#!/usr/bin/env bash
# `npm run images`: builds every image the suite runs from, with podman here or docker where its daemon runs.
#   media-assets/{ingest-api,storage,encoder,fanout}   tools/docker/service.Dockerfile, the production recipe
#   media-assets/kafka, media-assets/mongo-java-server  the local broker and database stand-in (for tests and
#                                                       tools/containers/up.ts; production uses real ones)
# Without a reachable registry the bases come from tools/containers/build-bases.sh first. Sizes are printed
# and written to reports/containers/images.md.
#   IMAGES="storage encoder"   builds only those (infra images: kafka, mongo-java-server)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engine.sh"
cd "${repo_root}"
here=tools/containers
log() { echo "[images] $*" >&2; }

readonly KAFKA_VERSION=4.4.0
readonly MONGO_JAVA_SERVER_VERSION=1.47.0
# app:target:port, as in docker-compose.yml and the manifests.
readonly SERVICES=(ingest-api:service:3000 storage:service:3001 encoder:media-service:3002 fanout:service:3003)
wanted="${IMAGES:-ingest-api storage encoder fanout kafka mongo-java-server}"
want() { [[ " ${wanted} " == *" $1 "* ]]; }

build_args=()
java_image=localhost/media-assets/java:17
if [[ "${CONTAINER_ENGINE}" == podman ]] || ! docker pull -q node:20-bookworm-slim >/dev/null 2>&1; then
  bash "${here}/build-bases.sh"
  build_args=(--build-arg NODE_IMAGE=localhost/media-assets/node:20)
else
  java_image=eclipse-temurin:17-jre-jammy
fi

started=$(date +%s)
declare -A seconds
# Contexts for the infrastructure images: the jars tools/infra already provisions and caches.
if want kafka; then
  t=$(date +%s)
  libs=$(bash tools/infra/provision-kafka.sh | tail -1)
  ctx="${containers_cache}/kafka-context"
  rm -rf "${ctx}" && mkdir -p "${ctx}"
  cp -rl "${libs}" "${ctx}/libs" 2>/dev/null || cp -r "${libs}" "${ctx}/libs"
  cp tools/infra/kafka/log4j2.xml "${here}/kafka/entrypoint.sh" "${ctx}/"
  log "building media-assets/kafka:${KAFKA_VERSION}"
  engine_build -f "${here}/kafka/kafka.Containerfile" --build-arg "JAVA_IMAGE=${java_image}" \
    -t "media-assets/kafka:${KAFKA_VERSION}" -t media-assets/kafka:latest "${ctx}" >&2
  seconds[kafka]=$(($(date +%s) - t))
fi
if want mongo-java-server; then
  t=$(date +%s)
  home=$(bash tools/infra/provision-mongo.sh | tail -1 | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).home')
  ctx="${containers_cache}/mongo-context"
  rm -rf "${ctx}" && mkdir -p "${ctx}"
  cp -r "${home}/jars" "${home}/classes" "${ctx}/"
  log "building media-assets/mongo-java-server:${MONGO_JAVA_SERVER_VERSION}"
  engine_build -f "${here}/mongo/mongo.Containerfile" --build-arg "JAVA_IMAGE=${java_image}" \
    -t "media-assets/mongo-java-server:${MONGO_JAVA_SERVER_VERSION}" -t media-assets/mongo-java-server:latest "${ctx}" >&2
  seconds[mongo-java-server]=$(($(date +%s) - t))
fi

for entry in "${SERVICES[@]}"; do
  IFS=: read -r app target port <<<"${entry}"
  want "${app}" || continue
  t=$(date +%s)
  log "building media-assets/${app} (target ${target})"
  engine_build -f tools/docker/service.Dockerfile --target "${target}" "${build_args[@]}" \
    --build-arg "APP=${app}" --build-arg "PORT=${port}" -t "media-assets/${app}:latest" . >&2
  seconds[${app}]=$(($(date +%s) - t))
done

# The report is of the full set; a partial build (the containers test tier asks for the infra images) keeps it.
[[ -z "${IMAGES:-}" ]] || exit 0
mkdir -p reports/containers
{
  echo "# Images (\`npm run images\`, ${CONTAINER_ENGINE})"
  echo
  echo "Built $(date -u +%Y-%m-%dT%H:%MZ) in $(($(date +%s) - started)) s (bases excluded)."
  echo
  echo "| image | size | build seconds |"
  echo "|---|---|---|"
  for name in ${wanted}; do
    echo "| media-assets/${name} | $(image_size "media-assets/${name}:latest") | ${seconds[${name}]:-} |"
  done
} >reports/containers/images.md
cat reports/containers/images.md
