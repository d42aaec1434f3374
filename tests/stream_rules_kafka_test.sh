#!/usr/bin/env bash
# The stream checks every taxi-trips message as `traffic clean` checks a row (issue 8 item 1), on
# the real broker (scripts/kafka.sh must have started it; scripts/test.sh does):
#   1. a 3,000 mph, a 0-second and a 1,000-mile trip, a key that is not the cell, a message with
#      content after its object, an empty (null) message and an exact duplicate reach the
#      dead-letter topic with the rule's reason, and none of them is aggregated;
#   2. a duplicate that arrives after the stream restarted (state restored from the state topic)
#      is still dropped: the event ids of the open windows are part of the committed state.
# Prints "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
TRAFFIC=$(realpath "${1:-build/release/traffic}")
BROKERS=${TRAFFIC_BROKERS:-127.0.0.1:9092}
export TRAFFIC_BROKERS=$BROKERS
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath ../shared/data/geo)
WORK=$(mktemp -d /tmp/traffic_stream_rules.XXXXXX)
RUN=$(date +%s)-$$
passed=0 failed=0
cleanup() {
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work: $WORK" || rm -rf "$WORK"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ] || exit 1  # an EXIT trap's last status is not the script's: say it
}
trap cleanup EXIT
ok() { echo "stream_rules_kafka_test: PASS: $*"; passed=$((passed + 1)); }
bad() { echo "stream_rules_kafka_test: FAIL: $*" >&2; failed=$((failed + 1)); }

# Every kcat call is bounded: a broker in a bad state must fail this test, not hang the run.
KCAT=$(type -P kcat)
kcat() { timeout 60 "$KCAT" "$@"; }
read_topic() {  # every committed message of topic $1, "key value" lines
  kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -X isolation.level=read_committed -f '%k %s\n' 2>/dev/null
}
IN="rules-in-$RUN"
G="--input-topic $IN --group rules-$RUN --worker-id r --output-topic rules-out-$RUN --state-topic rules-state-$RUN --dead-letter-topic rules-dl-$RUN"
stream() { timeout 120 "$TRAFFIC" stream --data-dir "$WORK/data" --model none --output kafka --partitions 1 $G --duration 8 --json "$@" 2>>"$WORK/stream.err"; }

# 200 good trips (one partition, so every message is in its cell's partition), then the bad ones.
timeout 120 "$TRAFFIC" produce --synthetic --topic "$IN" --partitions 1 --rate 0 --max-events 200 >/dev/null 2>"$WORK/produce.err" \
  || bad "produce failed: $(tail -2 "$WORK/produce.err")"
last=$(kcat -b "$BROKERS" -C -t "$IN" -o -1 -c 1 -e -q -f '%k\t%s\n' 2>/dev/null)
[ -n "$last" ] || bad "no message in $IN"
# Variants of the last good message (so that times, cell and coordinates are consistent and its
# window is still open): key<TAB>value lines.
python3 - "$last" > "$WORK/bad.txt" <<'PY'
import json, sys, datetime
key, value = sys.argv[1].split("\t", 1)
good = json.loads(value)
def at(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
def iso(t): return t.strftime("%Y-%m-%dT%H:%M:%SZ")
drop = at(good["dropoff_time"])
def variant(n, **fields):
    m = dict(good, event_id="%016x" % (0xbad0000 + n))
    m.update(fields)
    return json.dumps(m, separators=(",", ":"))
print(key + "\t" + variant(1, pickup_time=iso(drop - datetime.timedelta(seconds=120)), trip_distance=100, speed_mph=3000))
print(key + "\t" + variant(2, pickup_time=iso(drop), speed_mph=0))
print(key + "\t" + variant(3, trip_distance=1000))
print("0_0\t" + variant(4))
print(key + "\t" + variant(5) + " {}")
print(key + "\t" + value)  # an exact duplicate of the last good message
PY
kcat -b "$BROKERS" -P -t "$IN" -p 0 -K '\t' < "$WORK/bad.txt"
printf '%s\t\n' "${last%%$'\t'*}" | kcat -b "$BROKERS" -P -t "$IN" -p 0 -K '\t' -Z  # a null message

stream > "$WORK/run1.json"
dl=$(read_topic "rules-dl-$RUN")
for want in 'speed_out_of_range: 3000 mph (allowed 1..60)' 'dropoff_not_after_pickup: dropoff 0 s after pickup' \
            'distance_out_of_range: 1000 mi (allowed 0.1..100)' "is not the message's cell_id" \
            'malformed JSON: content after the JSON object' 'malformed JSON: the message is empty' \
            'duplicate: event_id'; do
  echo "$dl" | grep -qF "$want" && ok "dead letter: $want" || bad "no dead letter \"$want\" in: $(echo "$dl" | head -3)"
done
python3 -c "
import json; d = json.load(open('$WORK/run1.json'))
assert d['events'] == 207 and d['accepted'] == 200 and d['malformed'] == 2 and d['invalid'] == 4, d
" && ok "200 accepted, 7 refused and counted" || bad "counts: $(cat "$WORK/run1.json")"
out=$(read_topic "rules-out-$RUN")
echo "$out" | python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line.split(" ", 1)[1])
    assert 1 <= d["avg_speed"] <= 60, d' && ok "no published window outside the speed rule" || bad "a window out of range: $out"

# 2. A duplicate after a restart.
printf '%s\n' "$last" | kcat -b "$BROKERS" -P -t "$IN" -p 0 -K '\t'
stream > "$WORK/run2.json"
n=$(read_topic "rules-dl-$RUN" | grep -c 'duplicate: event_id')
python3 -c "
import json; d = json.load(open('$WORK/run2.json'))
assert d['events'] == 1 and d['accepted'] == 0 and d['restores'] >= 1, d
" && [ "$n" = 2 ] && ok "a duplicate after a restart is dropped (the ids are in the restored state)" \
  || bad "duplicate after restart: $n duplicate dead letters; $(cat "$WORK/run2.json")"
