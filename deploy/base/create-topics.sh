#!/bin/sh
# Creates every Kafka topic with its partition count, and fails when a topic already exists with another
# count: keys (asset ids) hash to partitions, so a different count silently breaks per-asset order.
# Used by the Kubernetes Job (deploy/base/kafka-topics-job.yaml) and by docker-compose.yml alike.
#   KAFKA_BROKERS  host:port[,host:port...]
#   TOPICS         space-separated topic:partitions (libs/asset-model TOPIC_PARTITIONS; a test keeps them equal)
# The replication factor is the broker's default.replication.factor, as when the services create topics.
set -eu
: "${KAFKA_BROKERS:?}" "${TOPICS:?}"
bin=/opt/kafka/bin
for spec in $TOPICS; do
  topic=${spec%:*}
  partitions=${spec##*:}
  "$bin/kafka-topics.sh" --bootstrap-server "$KAFKA_BROKERS" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions"
  actual=$("$bin/kafka-topics.sh" --bootstrap-server "$KAFKA_BROKERS" --describe --topic "$topic" \
    | sed -n 's/.*PartitionCount:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -n 1)
  if [ "$actual" != "$partitions" ]; then
    echo "topic $topic has ${actual:-no} partitions, expected $partitions" >&2
    exit 1
  fi
  echo "topic $topic: $partitions partitions"
done
