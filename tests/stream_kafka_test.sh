#!/usr/bin/env bash
# The stream on the real broker (scripts/kafka.sh must have started it; scripts/test.sh does):
#   1. exactly once: a worker killed with -9 twice and a broker restart mid-stream leave in the
#      output topic (read_committed) exactly the window results of an uninterrupted run;
#   2. scale-out: two workers in one group, one leaving mid-stream (rebalances), publish every
#      window once, with the same observed values as the uninterrupted run;
#   3. bad input: malformed and late events reach the dead-letter topic with their reason; a
#      missing topic and an unreachable broker are clear errors.
# Prints "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
TRAFFIC=$(realpath "${1:-build/release/traffic}")
BROKERS=${TRAFFIC_BROKERS:-127.0.0.1:9092}
export TRAFFIC_BROKERS=$BROKERS
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath ../shared/data/geo)
WORK=$(mktemp -d /tmp/traffic_stream_kafka.XXXXXX)
RUN=$(date +%s)-$$
PIDS=()
passed=0 failed=0
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work: $WORK" || rm -rf "$WORK"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
trap cleanup EXIT
ok() { echo "stream_kafka_test: PASS: $*"; passed=$((passed + 1)); }
bad() { echo "stream_kafka_test: FAIL: $*" >&2; failed=$((failed + 1)); }

# Every message of a topic, committed ones only, as "key value" lines, sorted.
read_topic() {
  kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -X isolation.level=read_committed -f '%k %s\n' 2>/dev/null | sort
}
# window_start, cell, trip_count, avg_speed, congestion_level of each prediction (the observed part).
observed() { python3 -c '
import json, sys
for line in sys.stdin:
    k, v = line.split(" ", 1)
    d = json.loads(v)
    print(d["window_start"], d["cell_id"], d["trip_count"], d["avg_speed"], d["congestion_level"])' | sort; }

# Waits until topic $1 has stopped growing for 15 s (at most 180 s): the workers are done. The
# quiet period must outlast a rebalance after kill -9 (the dead member's 6 s session) and a restore.
wait_stable() {
  local last=-1 n same=0
  for _ in $(seq 180); do
    n=$(read_topic "$1" | wc -l)
    if [ "$n" = "$last" ] && [ "$n" -gt 0 ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 15 ] && return 0
    last=$n
    sleep 1
  done
  return 1
}

stream() {  # stream ARGS... (background; logs to $WORK/<worker>.log)
  "$TRAFFIC" stream --data-dir "$WORK/data" --output kafka --input-topic "in-$RUN" --commit-interval-ms 200 "$@" \
    >>"$WORK/stream.out" 2>>"$WORK/stream.err" &
  PIDS+=($!)
  echo $!
}

# A small model so that forecasts (and their restored features) are part of what is compared.
"$TRAFFIC" generate --data-dir "$WORK/data" --days 4 --trips-per-day 4000 >/dev/null 2>&1
"$TRAFFIC" all --data-dir "$WORK/data" --rounds 20 >/dev/null 2>&1 || bad "could not train the test model"

# ---- 1. exactly once through kill -9 and a broker restart ----
F="--group f-$RUN --worker-id f --output-topic out-f-$RUN --state-topic state-f-$RUN --dead-letter-topic dl-f-$RUN"
"$TRAFFIC" produce --synthetic --topic "in-$RUN" --rate 0 --max-events 1 --seed 1 >/dev/null 2>&1  # creates the topic
pid=$(stream $F)
"$TRAFFIC" produce --synthetic --topic "in-$RUN" --rate 6000 --max-events 36000 --seed 7 --start 2016-01-11 \
  >"$WORK/produce.log" 2>&1 &
producer=$!
sleep 2; kill -9 "$pid"; pid=$(stream $F)
sleep 2; kill -9 "$pid"; pid=$(stream $F)
sleep 1; scripts/kafka.sh restart >/dev/null 2>&1 || bad "broker restart failed"
wait "$producer" || bad "producer failed: $(tail -2 "$WORK/produce.log")"
wait_stable "out-f-$RUN" || bad "the restarted worker did not settle"
kill -TERM "$pid"; wait "$pid" 2>/dev/null
R="--group r-$RUN --worker-id r --output-topic out-r-$RUN --state-topic state-r-$RUN --dead-letter-topic dl-r-$RUN"
ref=$(stream $R); wait_stable "out-r-$RUN" || bad "the reference worker did not settle"
kill -TERM "$ref"; wait "$ref" 2>/dev/null
read_topic "out-f-$RUN" > "$WORK/f.txt"
read_topic "out-r-$RUN" > "$WORK/r.txt"
n=$(wc -l < "$WORK/r.txt")
if [ "$n" -gt 1000 ] && cmp -s "$WORK/f.txt" "$WORK/r.txt"; then
  ok "kill -9 x2 + broker restart: $n window results, identical to the uninterrupted run"
else
  bad "kill -9/broker restart run differs from the uninterrupted run: $(wc -l < "$WORK/f.txt") vs $n results; diff: $(diff "$WORK/f.txt" "$WORK/r.txt" | head -3)"
fi
dups=$(cut -d' ' -f2 "$WORK/f.txt" | python3 -c '
import json, sys, collections
c = collections.Counter((json.loads(l)["window_start"], json.loads(l)["cell_id"]) for l in sys.stdin)
print(sum(1 for v in c.values() if v > 1))')
[ "$dups" = 0 ] && ok "no window published twice" || bad "$dups windows published more than once"

# ---- 2. two workers, one leaves: every window once, same observed values ----
S="--group s-$RUN --output-topic out-s-$RUN --state-topic state-s-$RUN --dead-letter-topic dl-s-$RUN"
a=$(stream $S --worker-id a)
sleep 3
b=$(stream $S --worker-id b --duration 10)
wait "$b" 2>/dev/null
wait_stable "out-s-$RUN" || bad "the two-worker run did not settle"
kill -TERM "$a"; wait "$a" 2>/dev/null
read_topic "out-s-$RUN" | observed > "$WORK/s.obs"
observed < "$WORK/r.txt" > "$WORK/r.obs"
if cmp -s "$WORK/s.obs" "$WORK/r.obs"; then
  ok "two workers with rebalances: $(wc -l < "$WORK/s.obs") windows, each once, observed values identical"
else
  bad "two-worker run differs: $(wc -l < "$WORK/s.obs") vs $(wc -l < "$WORK/r.obs"); $(diff "$WORK/s.obs" "$WORK/r.obs" | head -3)"
fi
grep -q "worker b: assigned" "$WORK/stream.err" && grep -q "worker a: revoked" "$WORK/stream.err" \
  && ok "rebalance happened (worker b joined, a gave partitions back)" || bad "no rebalance seen in the logs"

# ---- 3. bad input ----
D="--group d-$RUN --worker-id d --input-topic bad-$RUN --output-topic out-d-$RUN --state-topic state-d-$RUN --dead-letter-topic dl-d-$RUN"
"$TRAFFIC" produce --synthetic --topic "bad-$RUN" --partitions 1 --rate 0 --max-events 200 >/dev/null 2>&1
printf '28_27\t{not json\n28_27\t{"event_id":"0123456789abcdef"}\n' | kcat -b "$BROKERS" -P -t "bad-$RUN" -K '\t' -p 0
"$TRAFFIC" produce --synthetic --topic "bad-$RUN" --partitions 1 --rate 0 --max-events 50 --start 2016-01-03 >/dev/null 2>&1  # a day earlier: late
"$TRAFFIC" stream --data-dir "$WORK/data" --output kafka --partitions 1 $D --duration 8 --json > "$WORK/d.json" 2>>"$WORK/stream.err"
dl=$(read_topic "dl-d-$RUN")
echo "$dl" | grep -q '"kind":"malformed"' && echo "$dl" | grep -q 'malformed JSON' && echo "$dl" | grep -q 'missing' \
  && ok "malformed messages in the dead-letter topic with their reason" || bad "malformed messages not dead-lettered: $(echo "$dl" | head -2)"
echo "$dl" | grep -q '"kind":"late"' && ok "late events in the dead-letter topic" || bad "no late dead letter"
python3 -c "import json;d=json.load(open('$WORK/d.json'));assert d['malformed']==2 and d['late']>0, d" \
  && ok "malformed and late events counted" || bad "counts wrong: $(cat "$WORK/d.json")"
out=$("$TRAFFIC" stream --data-dir "$WORK/data" --input-topic "nope-$RUN" --no-create-topics --duration 5 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "nope-$RUN" && ok "missing topic: clear error naming it" || bad "missing topic: $out"
out=$(timeout 60 "$TRAFFIC" produce --brokers 127.0.0.1:1 --synthetic --max-events 1 2>&1)
[ $? = 1 ] && echo "$out" | grep -q "127.0.0.1:1" && ok "unreachable broker: clear error naming it" || bad "unreachable broker: $out"
