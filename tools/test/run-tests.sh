#!/usr/bin/env bash
# The README's test command: static checks, then every test tier against real servers.
# Its last line is "N passed, N failed" summed over all tiers (CI reads exactly that line).
set -uo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/ensure-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

reports=reports/test
rm -rf "$reports" && mkdir -p "$reports"

# The containers tier needs a broker image and a database image. A fresh machine builds them (Debian base by
# mmdebstrap: mostly downloads and unpacking, little CPU), so that starts now, beside the static checks and
# the unit and integration tiers, and the containers tier waits for it. A cached build only checks. Where a
# Docker daemon answers, the tier pulls the public images instead and there is nothing to build.
images_pid=
if ! { command -v docker >/dev/null && docker info >/dev/null 2>&1; }; then
  CONTAINER_ENGINE=podman IMAGES='kafka mongo-java-server' bash tools/containers/images.sh >"$reports/images.log" 2>&1 &
  images_pid=$!
fi

# Static checks count as one test each: a type error or a boundary violation fails the run like a test.
check() {
  local name=$1; shift
  if "$@" >"$reports/$name.log" 2>&1; then
    echo "{\"name\":\"$name\",\"passed\":1,\"failed\":0}" >"$reports/$name.check.json"
  else
    cat "$reports/$name.log" >&2
    echo "{\"name\":\"$name\",\"passed\":0,\"failed\":1}" >"$reports/$name.check.json"
  fi
}
echo "== static checks (typecheck, lint)" >&2
check typecheck npx tsc -p tsconfig.check.json
# The console is browser code (DOM types, JSX): its own compiler settings, checked on their own.
check typecheck-console npx tsc -p apps/console/tsconfig.json
check lint npx nx run-many -t lint --outputStyle=static

tier() {
  local name=$1; shift
  echo "== $name tests" >&2
  npx jest "$@" --json --outputFile="$reports/$name.jest.json" --ci >&2
  # A tier that died before writing results (say, its servers never started) still counts as a failure.
  [ -f "$reports/$name.jest.json" ] || echo "{\"name\":\"$name\",\"passed\":0,\"failed\":1}" >"$reports/$name.check.json"
}
check deploy bash tools/deploy/validate.sh
tier deploy -c tools/deploy/jest.deploy.config.ts
tier unit -c jest.unit.config.ts
tier integration -c jest.integration.config.ts --runInBand
# A slice of the integration tier again, with Kafka and the database in containers started by testcontainers
# (TEST_INFRA=containers: podman here, Docker where it runs), so that path cannot rot. Its images were
# built in the background (above); later runs reuse .cache/containers.
[ -z "$images_pid" ] || wait "$images_pid" || echo "building the container images failed (log: $reports/images.log); the containers tier tries again" >&2
TEST_INFRA=containers tier containers -c jest.integration.config.ts --runInBand \
  libs/messaging/src/lib/kafka.int-spec.ts apps/encoder/src/app/jobs/encoding-job.repository.int-spec.ts

# The end-to-end tier runs the built services as processes, as they run in production.
echo "== building the services" >&2
check build env NX_DAEMON=false npx nx run-many -t build --projects=tag:type:app --outputStyle=static --skip-nx-cache
if grep -q '"failed":0' "$reports/build.check.json"; then
  tier e2e -c jest.e2e.config.ts --runInBand
  # The contract tier: Schemathesis against the running suite; each API operation counts as one test.
  echo "== contract tests (Schemathesis)" >&2
  npx tsx tools/contract/schemathesis.ts --reports "$reports" >&2
  [ -f "$reports/schemathesis.check.json" ] || echo '{"name":"schemathesis","passed":0,"failed":1}' >"$reports/schemathesis.check.json"
fi

node tools/test/summarize.mjs "$reports"
