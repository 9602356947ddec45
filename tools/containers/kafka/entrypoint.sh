#!/bin/sh
# One-node KRaft broker: writes its properties, formats the log directory on first start, then becomes the
# broker (exec, so SIGTERM from the engine reaches the JVM and Kafka shuts down cleanly).
#   KAFKA_PORT, KAFKA_CONTROLLER_PORT   listening ports (host networking needs free ones)
#   KAFKA_ADVERTISED_HOST               the address clients are told to use
#   KAFKA_AUTO_CREATE_TOPICS            true for tests; the suite's own topics come from create-topics.sh
set -eu
data="${KAFKA_DATA_DIR}"
props="${data}/server.properties"
cat >"${props}" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST}:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}/log
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.partitions=3
auto.create.topics.enable=${KAFKA_AUTO_CREATE_TOPICS:-true}
PROPS
jvm="-Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.xml"
if [ ! -f "${data}/log/meta.properties" ]; then
  # shellcheck disable=SC2086
  java ${jvm} -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format --config "${props}" \
    "--cluster-id=${KAFKA_CLUSTER_ID:-bWVkaWEtYXNzZXRzLWthZg}" --standalone
fi
# shellcheck disable=SC2086
exec java ${jvm} -cp '/opt/kafka/libs/*' kafka.Kafka "${props}"
