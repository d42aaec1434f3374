#!/usr/bin/env bash
# The stream on the real broker (scripts/kafka.sh must have started it; scripts/test.sh does):
#   1. exactly once: a worker killed with -9 twice (each time after it has committed, shown by its
#      committed output) and a broker restart mid-stream leave in the output topic (read_committed)
#      exactly the window results and dead letters of an uninterrupted run; the last restart
#      resumes from the committed offsets (it consumes more than the input produced after the
#      kills, less than the whole input); the Parquet archive (--output all) then holds exactly
#      the output topic's records, each once (the rows a killed worker had buffered included);
#   2. scale-out: a second worker joins the group while the input is still being produced, is
#      given partitions and publishes windows, then leaves (rebalances); every window is
#      published once, with the same observed values as the uninterrupted run;
#   3. bad input: malformed and late events reach the dead-letter topic with their reason; a
#      missing topic and an unreachable broker are clear errors.
# Usage: tests/stream_kafka_test.sh [TRAFFIC_BINARY]. The broker is $TRAFFIC_BROKERS [127.0.0.1:9092];
# it must be the one scripts/kafka.sh manages with the same KAFKA_* variables (the test restarts it).
# Prints "N passed, M failed"; exits non-zero when anything failed (tests/checks.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/checks.sh
source tests/kafka_checks.sh  # count_topic, wait_stable, archive_rows
TRAFFIC=$(realpath "${1:-build/release/traffic}")
BROKERS=${TRAFFIC_BROKERS:-127.0.0.1:9092}
export TRAFFIC_BROKERS=$BROKERS
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath ../shared/data/geo)
WORK=$(mktemp -d /tmp/traffic_stream_kafka.XXXXXX)
RUN=$(date +%s)-$$
PIDS=()
on_exit() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$failed" != 0 ]; then echo "work: $WORK"; else rm -rf "$WORK"; fi
}
die() { bad "$*"; exit 1; }

[ -x "$TRAFFIC" ] || die "no traffic binary at $TRAFFIC"
# The broker restart below must hit the broker under test, not another one on this machine.
status=$(scripts/kafka.sh status 2>&1) || die "scripts/kafka.sh finds no broker running: $status"
grep -qF ", $BROKERS (" <<<"$status" \
  || die "TRAFFIC_BROKERS=$BROKERS is not the broker scripts/kafka.sh manages ($status): set KAFKA_PORT and KAFKA_DATA_DIR as for its start"

# Every committed message of a topic (read_committed) as "key value" lines, sorted. Fails if kcat
# fails (a topic that does not exist yet, a broker that does not answer).
read_topic() {
  local out
  out=$(timeout 60 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -X isolation.level=read_committed \
        -f '%k %s\n' 2>"$WORK/kcat.err") || { echo "kcat -C -t $1: $(tail -2 "$WORK/kcat.err")" >&2; return 1; }
  [ -z "$out" ] || sort <<<"$out"
}
# window_start, cell, trip_count, avg_speed, congestion_level of each prediction (the observed part).
observed() { python3 -c '
import json, sys
for line in sys.stdin:
    k, v = line.split(" ", 1)
    d = json.loads(v)
    print(d["window_start"], d["cell_id"], d["trip_count"], d["avg_speed"], d["congestion_level"])' | sort; }
json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" 2>/dev/null; }

# Waits until topic $1 has more than $2 committed messages (at most $3 s); prints the count.
wait_more() {
  local n=0
  for _ in $(seq "$3"); do
    n=$(count_topic "$1")
    [ "${n:-0}" -gt "$2" ] && break
    sleep 1
  done
  echo "${n:-0}"
  [ "${n:-0}" -gt "$2" ]
}
# start_worker NAME INPUT_TOPIC ARGS...: a stream worker as a background child of this script
# (its pid in $worker), its --json summary in $WORK/NAME.json, its log in $WORK/NAME.err.
start_worker() {
  local name=$1 input=$2
  shift 2
  "$TRAFFIC" stream --data-dir "$WORK/data" --output all --input-topic "$input" --commit-interval-ms 200 \
    --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" &
  worker=$!
  PIDS+=("$worker")
}
# stop_worker NAME PID: SIGTERM, then the worker must exit 0 with its summary.
stop_worker() {
  local rc=0
  kill -TERM "$2" 2>/dev/null
  wait "$2" || rc=$?
  [ "$rc" = 0 ] || bad "worker $1 exited with status $rc on SIGTERM: $(tail -3 "$WORK/$1.err" | tr '\n' ' ')"
}
# kill_worker NAME PID: kill -9; the worker must still have been running (status 137).
kill_worker() {
  local rc=0
  kill -9 "$2" 2>/dev/null
  wait "$2" 2>/dev/null || rc=$?  # (bash's "Killed" notice)
  [ "$rc" = 137 ] || bad "worker $1 was not running at its kill -9 (exit status $rc): $(tail -3 "$WORK/$1.err" | tr '\n' ' ')"
}
# produce NAME TOPIC ARGS...: the synthetic producer in the foreground, its exit status checked.
produce() {
  local name=$1 topic=$2
  shift 2
  expect_ok "$WORK/$name.log" "traffic produce ($name)" "$TRAFFIC" produce --synthetic --topic "$topic" "$@"
}
# The input of sections 1 and 2, the same messages in each (fixed seeds): one event that creates
# the topic, then three phases of EVENTS_PHASE events, each on the next day (never late): phase N
# is produced by `start_phase N TOPIC RATE` in the background ($producer). Section 1 starts a phase
# only after the worker before has been killed, so every worker has input to commit on, and the
# last one to resume on, whatever the timing.
EVENTS_PHASE=12000
TOTAL=$((1 + 3 * EVENTS_PHASE))
create_input() { produce create "$1" --rate 0 --max-events 1 --seed 1; }
start_phase() {
  "$TRAFFIC" produce --synthetic --topic "$2" --rate "$3" --max-events "$EVENTS_PHASE" --seed $((6 + $1)) \
    --start "2016-01-1$1" >>"$WORK/produce-$2.log" 2>&1 &
  producer=$!
  PIDS+=("$producer")
}
wait_producer() {
  local rc=0
  wait "$producer" || rc=$?
  [ "$rc" = 0 ] || bad "producer to $1 failed (status $rc): $(tail -2 "$WORK/produce-$1.log" | tr '\n' ' ')"
}

# A small model so that forecasts (and their restored features) are part of what is compared.
expect_ok "$WORK/generate.log" "traffic generate" "$TRAFFIC" generate --data-dir "$WORK/data" --days 4 --trips-per-day 4000
expect_ok "$WORK/all.log" "traffic all (the test model)" "$TRAFFIC" all --data-dir "$WORK/data" --rounds 20 --promote
# Section 1 runs a copy made worse than persistence (its decision rule calls nearly every cell
# Low; its card claims it wins everywhere), so the live guard must switch partitions to
# persistence while the workers are killed and restarted: the comparison covers the switches.
python3 - "$WORK/data/models" <<'PY'
import json, os, re, shutil, sys
models = sys.argv[1]
latest = open(os.path.join(models, "latest")).read().strip()
worse = os.path.join(models, "worse")
shutil.copytree(os.path.join(models, latest), worse)
card = open(os.path.join(worse, "card.json")).read()
card = re.sub(r'"weights":\[[^\]]*\]', '"weights":[1000,1,0.001]', card)
card = card.replace('"beats_persistence_macro_f1":false', '"beats_persistence_macro_f1":true')
open(os.path.join(worse, "card.json"), "w").write(card)
PY

# ---- 1. exactly once through kill -9 and a broker restart ----
IN=in-$RUN
F="--group f-$RUN --worker-id f --model worse --output-topic out-f-$RUN --state-topic state-f-$RUN --dead-letter-topic dl-f-$RUN"
create_input "$IN"
start_worker f1 "$IN" $F
f1=$worker
start_phase 1 "$IN" 3000
# Each kill hits a worker that has committed: its committed output has grown since the last kill.
# kill_after_commit NAME PID: waits for that, then kill -9; sets $before to the committed count after.
before=0
kill_after_commit() {
  local now
  if now=$(wait_more "out-f-$RUN" "$before" 120); then
    ok "worker $1 committed before its kill -9 ($before -> $now committed window results)"
  else
    bad "worker $1 committed nothing new within 120 s ($now committed window results)"
  fi
  kill_worker "$1" "$2"
  sleep 1  # a commit sent just before the kill completes at the coordinator
  before=$(count_topic "out-f-$RUN")
}
kill_after_commit f1 "$f1"
wait_producer "$IN"
start_worker f2 "$IN" $F
f2=$worker
start_phase 2 "$IN" 3000
kill_after_commit f2 "$f2"
wait_producer "$IN"
# The third worker resumes on what the first two committed, while phase 3 is produced (about 30 s),
# and the broker restarts under it once it has committed, i.e. mid-processing. When the restart
# outlasts the 6 s session the partitions are lost: the resumed worker must neither count events
# twice nor dead-letter them as late (it restores the state with the input offset it covers).
start_worker f3 "$IN" $F
f3=$worker
start_phase 3 "$IN" 400
if now=$(wait_more "out-f-$RUN" "$before" 120); then
  ok "worker f3 committed after the second restart ($before -> $now)"
else
  bad "worker f3 committed nothing within 120 s"
fi
# The producer must be connected before the broker goes away (it survives a restart, not a start
# without a broker): phase 3 has begun to arrive.
wait_more "$IN" $((1 + 2 * EVENTS_PHASE)) 120 >/dev/null || bad "phase 3 did not reach the input topic within 120 s"
if kill -0 "$f3" 2>/dev/null; then
  kill -0 "$producer" 2>/dev/null && state="the producer and worker f3 are running" || state="worker f3 is running"
  ok "the broker restarts mid-stream ($state)"
else
  bad "worker f3 had stopped before the broker restart: $(tail -2 "$WORK/f3.err" | tr '\n' ' ')"
fi
expect_ok "$WORK/restart.log" "broker restart (scripts/kafka.sh restart)" scripts/kafka.sh restart
wait_producer "$IN"
wait_stable "out-f-$RUN" || bad "the restarted worker did not settle"
stop_worker f3 "$f3"
R="--group r-$RUN --worker-id r --model worse --output-topic out-r-$RUN --state-topic state-r-$RUN --dead-letter-topic dl-r-$RUN"
start_worker r "$IN" $R
ref=$worker
wait_stable "out-r-$RUN" || bad "the reference worker did not settle"
stop_worker r "$ref"
expect_ok - "read out-f" read_topic "out-f-$RUN" > "$WORK/f.txt"
expect_ok - "read out-r" read_topic "out-r-$RUN" > "$WORK/r.txt"
n=$(wc -l < "$WORK/r.txt")
if [ "$n" -gt 1000 ] && cmp -s "$WORK/f.txt" "$WORK/r.txt"; then
  ok "kill -9 x2 + broker restart: $n window results, identical to the uninterrupted run"
else
  bad "kill -9/broker restart run differs from the uninterrupted run (or too few results):" \
      "$(wc -l < "$WORK/f.txt") vs $n results; diff: $(diff "$WORK/f.txt" "$WORK/r.txt" | head -3)"
fi
nf=$(wc -l < "$WORK/f.txt")
# The guard switched (issue 10 item 6): records by persistence and by the model, switches logged
# naming the partition, and the summary counting the partitions on persistence.
by_persistence=$(grep -c '"forecast_source_60m":"persistence"' "$WORK/r.txt" || true)
by_model=$(grep -c '"forecast_source_60m":"model"' "$WORK/r.txt" || true)
switches=$(cat "$WORK"/f1.err "$WORK"/f2.err "$WORK"/f3.err | grep -c "in-$RUN\[[0-9]*\] .*publishing persistence" || true)
on_persistence=$(python3 -c 'import json, sys
live = json.load(open(sys.argv[1]))["live_scores"]
print(sum(h["partitions_on_persistence"] for h in live["horizons"]))' "$WORK/r.json" 2>/dev/null || echo 0)
if [ "${by_persistence:-0}" -gt 100 ] && [ "${by_model:-0}" -gt 100 ] && [ "$switches" -gt 0 ] && [ "$on_persistence" -gt 0 ]; then
  ok "the live guard switched partitions to persistence through the kills ($by_persistence of $nf results at 60 min by persistence, $switches switches logged)"
else
  bad "the live guard did not switch as expected: $by_persistence by persistence, $by_model by the model at 60 min, $switches switches logged, $on_persistence partitions on persistence in the summary"
fi
dups=$(cut -d' ' -f2- "$WORK/f.txt" | python3 -c '
import json, sys, collections
c = collections.Counter((json.loads(l)["window_start"], json.loads(l)["cell_id"]) for l in sys.stdin)
print(sum(1 for v in c.values() if v > 1))')
[ "$nf" -gt 1000 ] && [ "$dups" = 0 ] && ok "no window published twice ($nf window results)" \
  || bad "$dups windows published more than once (of $nf results)"
# traffic serve shows the live scores of the stream group, read from its state topic: those the
# reference worker reported at its end (it has stopped: its last states are final).
"$TRAFFIC" serve --port 0 --topic "out-r-$RUN" --dead-letter-topic "" --state-topic "state-r-$RUN" \
  --stream-group "r-$RUN" --model none --web-dir /nonexistent --duration 60 >"$WORK/serve.out" 2>"$WORK/serve.err" &
serve_pid=$!
PIDS+=("$serve_pid")
served_scores=""
for _ in $(seq 60); do
  port=$(sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/serve.out" | head -1)
  if [ -n "$port" ]; then
    served_scores=$(curl -s "http://127.0.0.1:$port/api/stats" | python3 -c 'import json, sys
live = json.load(sys.stdin).get("live_scores")
print(" ".join("{}:{}:{}".format(h["minutes"], h["count"], h["source"]) for h in live["horizons"]) if live else "")' 2>/dev/null)
    [ -n "$served_scores" ] && break
  fi
  sleep 1
done
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null
reported=$(python3 -c 'import json, sys
live = json.load(open(sys.argv[1]))["live_scores"]
print(" ".join("{}:{}:{}".format(h["minutes"], h["model"]["count"], h["source"]) for h in live["horizons"]))' "$WORK/r.json" 2>/dev/null)
if [ -n "$served_scores" ] && [ "$served_scores" = "$reported" ]; then
  ok "traffic serve shows the stream's live scores from its state topic ($served_scores)"
else
  bad "traffic serve's live scores '${served_scores}' are not the worker's '${reported}': $(tail -2 "$WORK/serve.err" | tr '\n' ' ')"
fi
# Issue 8 item 8: the archive of the killed workers holds the topic's records, each once.
read -r na nd < <(archive_rows "$WORK/data/streaming" "out-f-$RUN")
if [ "${na:-0}" = "$nf" ] && [ "${nd:-0}" = "$nf" ]; then
  ok "the Parquet archive after kill -9 x2 + broker restart holds the $nf committed results, each once"
else
  bad "the archive holds ${na:-?} rows (${nd:-?} distinct) for $nf committed results of out-f-$RUN"
fi
# The uninterrupted run read the whole input; the last restart only what was not yet committed.
ref_events=$(json_field "$WORK/r.json" events)
f3_events=$(json_field "$WORK/f3.json" events)
[ "${ref_events:-0}" = "$TOTAL" ] && ok "the reference worker consumed the whole input ($ref_events events)" \
  || bad "the reference worker consumed ${ref_events:-?} events, not $TOTAL: $(cat "$WORK/r.json")"
# At least phase 3 (produced after the kills), less than everything (f1 and f2 committed offsets).
[ "${f3_events:-0}" -ge "$EVENTS_PHASE" ] && [ "${f3_events:-0}" -lt "$TOTAL" ] \
  && ok "the last restart resumed from the committed offsets (consumed $f3_events of $TOTAL events)" \
  || bad "the last restart consumed ${f3_events:-?} of $TOTAL events (want $EVENTS_PHASE..$((TOTAL - 1))): not resumed from the committed offsets"
# A restart that rewound too far would dead-letter replayed events as late; one that skipped
# would lose them: the dead letters are those of the uninterrupted run.
expect_ok - "read dl-f" read_topic "dl-f-$RUN" > "$WORK/dl-f.txt"
expect_ok - "read dl-r" read_topic "dl-r-$RUN" > "$WORK/dl-r.txt"
cmp -s "$WORK/dl-f.txt" "$WORK/dl-r.txt" \
  && ok "dead letters identical to the uninterrupted run ($(wc -l < "$WORK/dl-r.txt"))" \
  || bad "dead letters differ: $(wc -l < "$WORK/dl-f.txt") vs $(wc -l < "$WORK/dl-r.txt"); $(diff "$WORK/dl-f.txt" "$WORK/dl-r.txt" | head -3)"

# ---- 2. a second worker joins while the input is produced, then leaves ----
IN_S=in-s-$RUN
S="--group s-$RUN --output-topic out-s-$RUN --state-topic state-s-$RUN --dead-letter-topic dl-s-$RUN"
create_input "$IN_S"
start_worker a "$IN_S" $S --worker-id a
a=$worker
start_phase 1 "$IN_S" 0
wait_producer "$IN_S"
now=$(wait_more "out-s-$RUN" 0 120) || bad "worker a committed nothing within 120 s"
start_phase 2 "$IN_S" 600  # about 20 s
if kill -0 "$producer" 2>/dev/null; then
  ok "worker b joins while the input is still being produced ($now windows published so far)"
else
  bad "the producer had finished before worker b joined"
fi
start_worker b "$IN_S" $S --worker-id b --duration 12
b=$worker
rc=0; wait "$b" || rc=$?
[ "$rc" = 0 ] || bad "worker b exited with status $rc: $(tail -3 "$WORK/b.err" | tr '\n' ' ')"
b_published=$(json_field "$WORK/b.json" published)
[ "${b_published:-0}" -gt 0 ] && ok "worker b published $b_published windows" \
  || bad "worker b published ${b_published:-no} windows: $(cat "$WORK/b.json")"
grep -qE "worker b: assigned .*in-s-$RUN\[[0-9]+\]" "$WORK/b.err" && grep -q "worker a: revoked" "$WORK/a.err" \
  && ok "rebalance happened (worker b was assigned partitions, a gave partitions back)" \
  || bad "no rebalance seen in the logs: $(grep -h 'assigned\|revoked' "$WORK/a.err" "$WORK/b.err" | head -4)"
wait_producer "$IN_S"
start_phase 3 "$IN_S" 0
wait_producer "$IN_S"
wait_stable "out-s-$RUN" || bad "the two-worker run did not settle"
stop_worker a "$a"
expect_ok - "read out-s" read_topic "out-s-$RUN" > "$WORK/s.txt"
observed < "$WORK/s.txt" > "$WORK/s.obs"
observed < "$WORK/r.txt" > "$WORK/r.obs"
ns=$(wc -l < "$WORK/s.obs")
if [ "$ns" -gt 1000 ] && cmp -s "$WORK/s.obs" "$WORK/r.obs"; then
  ok "two workers with rebalances: $ns windows, each once, observed values identical"
else
  bad "two-worker run differs (or too few windows): $ns vs $(wc -l < "$WORK/r.obs"); $(diff "$WORK/s.obs" "$WORK/r.obs" | head -3)"
fi
# Two workers' archive followers shared the output partitions through rebalances.
read -r na nd < <(archive_rows "$WORK/data/streaming" "out-s-$RUN")
if [ "${na:-0}" = "$ns" ] && [ "${nd:-0}" = "$ns" ]; then
  ok "two workers' Parquet archive holds the $ns results, each once"
else
  bad "two workers' archive holds ${na:-?} rows (${nd:-?} distinct) for $ns results of out-s-$RUN"
fi

# ---- 3. bad input ----
D="--group d-$RUN --worker-id d --input-topic bad-$RUN --output-topic out-d-$RUN --state-topic state-d-$RUN --dead-letter-topic dl-d-$RUN"
produce bad-good "bad-$RUN" --partitions 1 --rate 0 --max-events 200
expect_ok - "kcat -P (malformed messages)" \
  kcat -b "$BROKERS" -P -t "bad-$RUN" -K '\t' -p 0 < <(printf '28_27\t{not json\n28_27\t{"event_id":"0123456789abcdef"}\n')
produce bad-late "bad-$RUN" --partitions 1 --rate 0 --max-events 50 --start 2016-01-03  # a day earlier: late
expect_ok - "traffic stream (bad input)" \
  "$TRAFFIC" stream --data-dir "$WORK/data" --output kafka --partitions 1 $D --duration 8 --json >"$WORK/d.json" 2>"$WORK/d.err"
expect_ok - "read dl-d" read_topic "dl-d-$RUN" > "$WORK/dl-d.txt"
grep -q '"kind":"malformed"' "$WORK/dl-d.txt" && grep -q 'malformed JSON' "$WORK/dl-d.txt" && grep -q 'missing' "$WORK/dl-d.txt" \
  && ok "malformed messages in the dead-letter topic with their reason" \
  || bad "malformed messages not dead-lettered: $(head -2 "$WORK/dl-d.txt")"
grep -q '"kind":"late"' "$WORK/dl-d.txt" && ok "late events in the dead-letter topic" || bad "no late dead letter"
python3 -c "import json;d=json.load(open('$WORK/d.json'));assert d['malformed']==2 and d['late']>0 and d['accepted']>=200, d" \
  && ok "malformed and late events counted" || bad "counts wrong: $(cat "$WORK/d.json")"
rc=0; out=$("$TRAFFIC" stream --data-dir "$WORK/data" --input-topic "nope-$RUN" --no-create-topics --duration 5 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "nope-$RUN" <<<"$out" && ok "missing topic: clear error naming it" || bad "missing topic (exit $rc): $out"
rc=0; out=$(timeout 60 "$TRAFFIC" produce --brokers 127.0.0.1:1 --synthetic --max-events 1 2>&1) || rc=$?
[ "$rc" = 1 ] && grep -q "127.0.0.1:1" <<<"$out" && ok "unreachable broker: clear error naming it" || bad "unreachable broker (exit $rc): $out"
finish
