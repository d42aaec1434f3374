#!/usr/bin/env bash
# traffic serve on the real broker (scripts/kafka.sh must have started it; scripts/test.sh does):
# produce -> stream -> serve. The API's cells equal the committed traffic-predictions records
# (read_committed, with kcat): each active cell's latest window, and a cell's whole history; the
# dead letters show up in /api/stats; a restarted server refills the map from its look-back.
# Prints "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
TRAFFIC=$(realpath "${1:-build/release/traffic}")
BROKERS=${TRAFFIC_BROKERS:-127.0.0.1:9092}
export TRAFFIC_BROKERS=$BROKERS
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath ../shared/data/geo)
WORK=$(mktemp -d /tmp/traffic_serve_kafka.XXXXXX)
RUN=$(date +%s)-$$
PIDS=()
passed=0 failed=0
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work: $WORK" || rm -rf "$WORK"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ] || exit 1  # an EXIT trap's last status is not the script's: say it
}
trap cleanup EXIT
ok() { echo "serve_kafka_test: PASS: $*"; passed=$((passed + 1)); }
bad() { echo "serve_kafka_test: FAIL: $*" >&2; failed=$((failed + 1)); }

read_topic() {  # committed values only, one per line
  kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -X isolation.level=read_committed -f '%s\n' 2>/dev/null
}
wait_stable() {  # topic $1 stopped growing for 10 s (at most 180 s)
  local last=-1 n same=0
  for _ in $(seq 180); do
    n=$(read_topic "$1" | wc -l)
    if [ "$n" = "$last" ] && [ "$n" -gt 0 ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 10 ] && return 0
    last=$n
    sleep 1
  done
  return 1
}
serve() {  # serve ARGS... -> sets SERVE_PID, and port once it listens
  : >"$WORK/serve.out"
  "$TRAFFIC" serve --port 0 --topic "out-$RUN" --dead-letter-topic "dl-$RUN" --model none --web-dir /nonexistent \
    --duration 300 "$@" >"$WORK/serve.out" 2>>"$WORK/serve.err" &
  PIDS+=($!)
  SERVE_PID=$!
  for _ in $(seq 100); do
    port=$(sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/serve.out" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.2
  done
  return 1
}

T="--input-topic in-$RUN --output-topic out-$RUN --dead-letter-topic dl-$RUN --state-topic state-$RUN --group g-$RUN"
"$TRAFFIC" produce --synthetic --topic "in-$RUN" --rate 0 --max-events 1 --seed 1 >/dev/null 2>&1  # creates the topic
"$TRAFFIC" stream --data-dir "$WORK/data" --output kafka --model none $T --commit-interval-ms 200 \
  >"$WORK/stream.out" 2>"$WORK/stream.err" &
PIDS+=($!)
stream_pid=$!
"$TRAFFIC" produce --synthetic --topic "in-$RUN" --rate 0 --max-events 30000 --seed 7 --start 2016-01-11 \
  >"$WORK/produce.log" 2>&1 || bad "produce failed: $(tail -2 "$WORK/produce.log")"
printf '28_27\t{not json\n' | kcat -b "$BROKERS" -P -t "in-$RUN" -K '\t' -p "$(python3 -c 'print(0)')"
wait_stable "out-$RUN" || bad "the stream did not settle"
read_topic "out-$RUN" > "$WORK/records.jsonl"
n=$(wc -l < "$WORK/records.jsonl")
[ "$n" -gt 1000 ] && ok "stream published $n committed window results" || bad "only $n window results"

serve || bad "traffic serve did not print its URL: $(tail -3 "$WORK/serve.err")"
wait_served() {  # until the server holds every committed record
  for _ in $(seq 120); do
    got=$(curl -s "http://127.0.0.1:$1/metrics" | sed -n 's/^traffic_windows_total \([0-9]*\)$/\1/p')
    [ "${got:-0}" -ge "$n" ] && return 0
    sleep 0.5
  done
  return 1
}
wait_served "$port" && ok "serve read all $n records" || bad "serve read ${got:-0} of $n records"

compare() {  # compare PORT LABEL
  curl -s "http://127.0.0.1:$1/api/cells" > "$WORK/cells.json"
  python3 - "$WORK/records.jsonl" "$WORK/cells.json" "$1" <<'EOF'
import json, sys, urllib.request
records = [json.loads(l) for l in open(sys.argv[1])]
api = json.load(open(sys.argv[2]))
port = sys.argv[3]
latest = {}
for r in records:
    if r["cell_id"] not in latest or r["window_start"] > latest[r["cell_id"]]["window_start"]:
        latest[r["cell_id"]] = r
as_of = max(r["window_end"] for r in records)
assert api["as_of"] == as_of, (api["as_of"], as_of)
from datetime import datetime, timedelta
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
active = {c for c, r in latest.items() if t(r["window_end"]) >= t(as_of) - timedelta(minutes=15)}
got = {c["cell_id"]: c for c in api["cells"]}
assert set(got) == active, (len(got), len(active), sorted(set(got) ^ active)[:5])
for cid, c in got.items():
    r = latest[cid]
    for k_api, k_rec in [("window_start", "window_start"), ("window_end", "window_end"), ("trip_count", "trip_count"),
                         ("avg_speed", "avg_speed"), ("congestion_level", "congestion_level"), ("model_version", "model_version")]:
        assert c[k_api] == r[k_rec], (cid, k_api, c[k_api], r[k_rec])
    for h in ("15", "30", "60"):
        f = c["forecasts"][h]
        assert (f["level"] if f else None) == r.get(f"forecast_{h}m"), (cid, h)
        assert (f["confidence"] if f else None) == r.get(f"confidence_{h}m"), (cid, h)
    assert abs(c["centre"][1] - r["centre_lat"]) < 1e-9 and abs(c["centre"][0] - r["centre_lon"]) < 1e-9, cid
# Whole history of the busiest cells.
busiest = sorted(latest, key=lambda c: -sum(1 for r in records if r["cell_id"] == c))[:3]
for cid in busiest:
    mine = sorted((r for r in records if r["cell_id"] == cid), key=lambda r: r["window_start"])
    url = f"http://127.0.0.1:{port}/api/cells/{cid}?from={mine[0]['window_start']}&to={mine[-1]['window_end']}"
    h = json.load(urllib.request.urlopen(url))["history"]
    assert [(x["window_start"], x["trip_count"], x["avg_speed"], x["congestion_level"]) for x in h] == \
           [(r["window_start"], r["trip_count"], r["avg_speed"], r["congestion_level"]) for r in mine], cid
print(f"{len(got)} active cells and the history of {len(busiest)} cells equal the committed records")
EOF
}
out=$(compare "$port" 2>&1) && ok "$out" || bad "API differs from the committed records: $out"

# The dead-letter topic is read beside the results: give it up to 30 s to show.
has_dead_letter() {
  stats=$(curl -s "http://127.0.0.1:$port/api/stats")
  echo "$stats" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["malformed"]>=1 and any(x["kind"]=="malformed" for x in d["recent_dead_letters"]), d' 2>/dev/null
}
for _ in $(seq 30); do has_dead_letter && break; sleep 1; done
has_dead_letter && ok "the dead letter shows in /api/stats with its reason" || bad "no dead letter in /api/stats: $stats"
health=$(curl -s "http://127.0.0.1:$port/api/health")
echo "$health" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["mode"]=="kafka" and d["source"]["connected"], d' \
  && ok "health: kafka, connected" || bad "health: $health"

# A restart refills the map from the look-back.
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
serve --lookback-hours 1 || bad "restarted serve did not start"
wait_served "$port" && out=$(compare "$port" 2>&1) && ok "after a restart: $out" || bad "restart: ${out:-not refilled}"
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
kill -TERM "$stream_pid"; wait "$stream_pid" 2>/dev/null
