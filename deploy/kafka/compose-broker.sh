#!/bin/bash
# The broker of docker-compose.yml (image apache/kafka): SASL/SCRAM-SHA-512 on the client listener,
# SASL/PLAIN on the controller listener (KRaft cannot authenticate controllers with SCRAM: those
# credentials live in the metadata the controllers serve) and ACLs (StandardAuthorizer, nothing allowed
# without an ACL) — the same security as devstack (devstack/kafka.py, security_properties).
#
# The non-secret settings come from the container's KAFKA_* variables (KAFKA_LOG_DIRS -> log.dirs);
# the passwords from the operator's env file: MINQING_KAFKA_PASSWORD_ADMIN (super user `admin`: the
# broker's own login, topic-init's), MINQING_KAFKA_PASSWORD_CONTROLLER. `admin` is created when the
# storage is formatted (first start); the services' users and ACLs by topic-init
# (python -m minqing_kit.kafka_access bootstrap).
set -euo pipefail
for var in MINQING_KAFKA_PASSWORD_ADMIN MINQING_KAFKA_PASSWORD_CONTROLLER; do
  [ -n "${!var:-}" ] || { echo "compose-broker: $var is missing in the env file" >&2; exit 1; }
done
: "${CLUSTER_ID:?set CLUSTER_ID}"
umask 077
conf="${TMPDIR:-/tmp}/minqing-broker.properties"
: > "$conf"
for var in $(compgen -e | grep '^KAFKA_' | grep -v '^KAFKA_\(HOME\|HEAP_OPTS\|OPTS\|JVM_PERFORMANCE_OPTS\|LOG4J_OPTS\)$'); do
  key=$(printf '%s' "${var#KAFKA_}" | tr 'A-Z_' 'a-z.')
  printf '%s=%s\n' "$key" "${!var}" >> "$conf"
done
cat >> "$conf" <<PROPS
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.plaintext.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${MINQING_KAFKA_PASSWORD_ADMIN}";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="${MINQING_KAFKA_PASSWORD_CONTROLLER}" user_controller="${MINQING_KAFKA_PASSWORD_CONTROLLER}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:controller
PROPS
# the healthcheck's client settings (kafka-broker-api-versions.sh --command-config)
cat > "${TMPDIR:-/tmp}/minqing-admin.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${MINQING_KAFKA_PASSWORD_ADMIN}";
PROPS
"${MINQING_KAFKA_BIN:-/opt/kafka/bin}"/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$conf" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=${MINQING_KAFKA_PASSWORD_ADMIN}]"
exec "${MINQING_KAFKA_BIN:-/opt/kafka/bin}"/kafka-server-start.sh "$conf"
