#!/usr/bin/env bash
# Drain benchmark through the real broker with exactly-once: pre-fill a topic with N synthetic
# events (traffic produce, as fast as it goes), then time one `traffic stream` worker consuming
# all of them (transactions, state topic, predictions published).
#   bench/stream_kafka_bench.sh [TRAFFIC_BINARY]   env: EVENTS=2000000 MODELS_DATA_DIR= (a data dir
#   with models/latest for forecasts; unset: --model none), BROKERS (default 127.0.0.1:9092)
# The broker must be running (scripts/kafka.sh start).
set -euo pipefail
TRAFFIC=$(realpath "${1:-build/release/traffic}")
EVENTS=${EVENTS:-2000000}
BROKERS=${BROKERS:-127.0.0.1:9092}
RUN=bench-$(date +%s)
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath "$(dirname "$0")/../../shared/data/geo")
DATA=${MODELS_DATA_DIR:-$(mktemp -d)}
MODEL=(--model none)
[ -n "${MODELS_DATA_DIR:-}" ] && MODEL=(--model latest)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); broker on the same machine"
/usr/bin/time -f "produce: %e s wall, %M KB" "$TRAFFIC" produce --brokers "$BROKERS" --synthetic --topic "in-$RUN" \
  --rate 0 --max-events "$EVENTS" --trips-per-day 2000000 --json 2>/dev/null
/usr/bin/time -f "stream: %e s wall, %U s user, %S s sys, %M KB peak" "$TRAFFIC" stream --brokers "$BROKERS" \
  --data-dir "$DATA" "${MODEL[@]}" --output kafka --input-topic "in-$RUN" --output-topic "out-$RUN" \
  --state-topic "state-$RUN" --dead-letter-topic "dl-$RUN" --group "g-$RUN" --max-events "$EVENTS" --json 2>&1 \
  | grep -vE '^(info|warning)' | python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line)
        rate = d["events"] / d["seconds"]
        print("stream: %d events in %.1f s = %.0f events/s, %d windows, %d transactions" %
              (d["events"], d["seconds"], rate, d["windows"], d["transactions"]))
    elif line:
        print(line)'
