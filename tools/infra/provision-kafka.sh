#!/usr/bin/env bash
# Lays out a runnable Apache Kafka broker classpath from Maven Central, for tests that need a real broker
# without Docker or the Apache download mirrors (neither is reachable here).
#
# Usage: tools/infra/provision-kafka.sh   -> last stdout line is the libs dir, for `java -cp '<dir>/*'`
#   KAFKA_VERSION    broker version (default below)
#   INFRA_CACHE_DIR  cache root (default <repo>/.cache, git-ignored)
#
# Version choice: 4.4.0, the newest on Maven Central. The worry was KIP-896 (Kafka 4.0 dropped pre-2.1
# protocol versions) versus kafkajs 2.2.4, which is unmaintained. It holds: kafkajs negotiates the highest
# version both sides know, and every API it implements has its top version inside 4.4's range (Produce v7,
# Fetch v11, ListOffsets v3, OffsetCommit v5, JoinGroup v5, CreateTopics v3, DescribeConfigs v2 ... all at
# or above the new minimums; checked against org.apache.kafka.common.protocol.ApiKeys of 4.4.0). Verified
# live against 4.4.0: topic creation, idempotent acks=all produce, group join/sync/heartbeat/commit,
# rebalance on a second member joining and on one leaving, transactions (commit, abort, read_committed) and
# the admin calls (metadata, offsets, configs, reset offsets, delete topic/group);
# libs/testing/src/lib/infra/kafka.process.check.ts re-runs the produce/consume/rebalance core.
# KAFKA_VERSION=3.9.1 runs with the same pom and start-up code, should some kafkajs path ever need it.
#
# Logging: the kafka_2.13 pom brings slf4j-api 1.7 and no binding; tools/infra/kafka/pom.xml adds the
# same log4j2 binding the binary distribution ships, and tools/infra/kafka/log4j2.xml is passed by the
# caller with -Dlog4j2.configurationFile.
set -euo pipefail

readonly DEFAULT_KAFKA_VERSION=4.4.0

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
pom="$script_dir/kafka/pom.xml"
version="${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
cache_root="${INFRA_CACHE_DIR:-$repo_root/.cache}"
dest="$cache_root/kafka/$version"
libs="$dest/libs"
marker="$dest/.complete"

# The marker records what the libs were built from, so editing the pom (e.g. a log4j bump) re-provisions
# instead of silently reusing a stale classpath.
want="$version $(sha256sum "$pom" | cut -d' ' -f1)"

if [[ -f "$marker" && -d "$libs" && "$(cat "$marker")" == "$want" ]]; then
  echo "$libs"
  exit 0
fi

mkdir -p "$dest"
# Parallel test workers may all ask for the broker on a cold cache; one downloads, the rest wait for it.
exec 9>"$dest/.lock"
flock 9

if [[ ! -f "$marker" || ! -d "$libs" || "$(cat "$marker")" != "$want" ]]; then
  command -v mvn >/dev/null || { echo "provision-kafka: mvn not found on PATH" >&2; exit 1; }
  echo "provision-kafka: fetching Kafka $version jars from Maven Central (first run only)" >&2
  rm -f "$marker"
  staging="$dest/libs.partial"
  rm -rf "$staging"
  # Maven's output goes to stderr: callers parse stdout.
  mvn -B -q -f "$pom" \
    -Dkafka.version="$version" \
    dependency:copy-dependencies \
    -DincludeScope=runtime \
    -DoutputDirectory="$staging" >&2
  if [[ ! -f "$staging/kafka_2.13-$version.jar" ]]; then
    echo "provision-kafka: kafka_2.13-$version.jar missing after download" >&2
    exit 1
  fi
  rm -rf "$libs"
  mv "$staging" "$libs"
  echo "$want" >"$marker"
fi

echo "$libs"
