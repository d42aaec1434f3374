#!/usr/bin/env bash
# Smoke test of the local Kafka broker (scripts/kafka.sh) with librdkafka's kcat: start the broker,
# create the project's topics and check their partition counts, produce 100 keyed messages and
# consume them back. Leaves the broker as it found it: stops it only if this test started it.
# The messages go to a topic of their own (kafka-smoke-test), never to the project's topics.
# Exits 0 on success, non-zero on any failure. Honours the KAFKA_* variables of scripts/kafka.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

KAFKA_SH=scripts/kafka.sh
BOOTSTRAP="${KAFKA_HOST:-127.0.0.1}:${KAFKA_PORT:-9092}"
TOPIC=kafka-smoke-test
COUNT=100

fail() { echo "kafka_smoke_test: FAIL: $*" >&2; exit 1; }

command -v kcat >/dev/null || fail "kcat not found (Debian package kcat; scripts/setup.sh installs it)"

expected="$(mktemp)" actual="$(mktemp)"
started_here=0
if ! "$KAFKA_SH" status >/dev/null; then
  started_here=1
fi
cleanup() {
  local rc=$?
  rm -f "$expected" "$actual"
  if [ "$started_here" = 1 ]; then
    "$KAFKA_SH" stop || rc=1
  fi
  if [ "$rc" = 0 ]; then
    echo "1 passed, 0 failed"
  else
    echo "0 passed, 1 failed"
  fi
  exit "$rc"
}
trap cleanup EXIT

"$KAFKA_SH" start
KAFKA_EXTRA_TOPICS="$TOPIC:4" "$KAFKA_SH" create-topics

# The project's topics exist with the wanted partition counts.
metadata="$(timeout 30 kcat -b "$BOOTSTRAP" -L)" || fail "kcat -L on $BOOTSTRAP failed"
for spec in "taxi-trips:${KAFKA_TRIPS_PARTITIONS:-4}" \
            "traffic-predictions:${KAFKA_PREDICTIONS_PARTITIONS:-4}" \
            "traffic-dead-letter:${KAFKA_DEAD_LETTER_PARTITIONS:-1}"; do
  name="${spec%:*}" want="${spec##*:}"
  grep -q "topic \"$name\" with $want partitions" <<<"$metadata" \
    || fail "topic $name with $want partitions not found in the metadata:"$'\n'"$metadata"
done

# Produce COUNT messages, keyed over 20 keys so that every partition gets some, tagged with a run id
# so that messages of earlier runs are told apart.
run_id="$(date +%s%N)-$$"
for i in $(seq 1 "$COUNT"); do
  echo "cell_$((i % 20)):{\"run\":\"$run_id\",\"i\":$i}"
done > "$expected"
timeout 60 kcat -P -b "$BOOTSTRAP" -t "$TOPIC" -K: -X acks=all < "$expected" \
  || fail "kcat could not produce to $TOPIC"

# Consume the whole topic to its end and keep this run's messages.
timeout 60 kcat -C -b "$BOOTSTRAP" -t "$TOPIC" -o beginning -e -q -f '%k:%s\n' \
  | { grep -F "\"run\":\"$run_id\"" || true; } > "$actual" \
  || fail "kcat could not consume from $TOPIC"

got="$(wc -l < "$actual")"
[ "$got" -eq "$COUNT" ] || fail "produced $COUNT messages to $TOPIC, consumed $got back"
diff <(sort "$expected") <(sort "$actual") >/dev/null \
  || fail "the consumed messages differ from the produced ones"
partitions_used="$(timeout 60 kcat -C -b "$BOOTSTRAP" -t "$TOPIC" -o beginning -e -q -f '%p %s\n' \
  | grep -F "\"run\":\"$run_id\"" | cut -d' ' -f1 | sort -u | wc -l)"
[ "$partitions_used" -ge 2 ] || fail "all messages landed in one partition; keys were not spread"

echo "kafka_smoke_test: OK: $COUNT messages produced and consumed back on $BOOTSTRAP" \
     "($partitions_used partitions)"
