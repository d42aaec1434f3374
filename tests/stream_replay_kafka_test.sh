#!/usr/bin/env bash
# A replay that is all late is loud (issue 8 item 3), on the real broker (scripts/kafka.sh must
# have started it; scripts/test.sh does):
#   1. a restarted `produce --synthetic` resumes after the topic's last event, so the restarted
#      stream (watermark restored from its state topic) accepts its events instead of
#      dead-lettering them all as late;
#   2. a deliberate replay of the first day (--no-resume) makes the stream warn, in its log and its
#      summary, naming the restored watermark and the likely cause.
# Prints "N passed, M failed"; exits non-zero when anything failed (tests/checks.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/checks.sh
TRAFFIC=$(realpath "${1:-build/release/traffic}")
export TRAFFIC_BROKERS=${TRAFFIC_BROKERS:-127.0.0.1:9092}
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath ../shared/data/geo)
WORK=$(mktemp -d /tmp/traffic_stream_replay.XXXXXX)
RUN=$(date +%s)-$$
on_exit() { [ "${KEEP_WORK:-0}" = 1 ] && echo "work: $WORK" || rm -rf "$WORK"; }
field() { python3 -c "import json,sys; v=json.load(open('$1')).get('$2'); print('' if v is None else v)"; }

IN="replay-in-$RUN"
G="--input-topic $IN --group replay-$RUN --worker-id w --output-topic replay-out-$RUN --state-topic replay-state-$RUN --dead-letter-topic replay-dl-$RUN"
produce() { timeout 120 "$TRAFFIC" produce --synthetic --topic "$IN" --partitions 2 --rate 0 --max-events 3000 --json "$@" 2>>"$WORK/produce.err"; }
stream() { timeout 120 "$TRAFFIC" stream --data-dir "$WORK/data" --model none --output kafka --partitions 2 $G --duration 10 --json 2>>"$WORK/stream.err"; }

produce > "$WORK/p1.json" || bad "first produce failed: $(tail -2 "$WORK/produce.err")"
[ -z "$(field "$WORK/p1.json" resumed_after)" ] && ok "first produce: an empty topic, nothing to resume after" \
  || bad "first produce resumed: $(cat "$WORK/p1.json")"
stream > "$WORK/s1.json" || bad "first stream failed: $(tail -2 "$WORK/stream.err")"
[ "$(field "$WORK/s1.json" accepted)" = 3000 ] && ok "first run: 3000 events accepted" || bad "first run: $(cat "$WORK/s1.json")"

# 1. The producer restarts (same command): it resumes after the topic's last event.
produce > "$WORK/p2.json" || bad "second produce failed: $(tail -2 "$WORK/produce.err")"
resumed=$(field "$WORK/p2.json" resumed_after)
if [ -n "$resumed" ] && grep -q "resumed after it" "$WORK/produce.err"; then
  ok "produce resumed after the topic's last event ($resumed)"
else
  bad "produce did not resume: $(cat "$WORK/p2.json")"
fi
stream > "$WORK/s2.json" || bad "second stream failed: $(tail -2 "$WORK/stream.err")"
python3 -c "
import json; d = json.load(open('$WORK/s2.json'))
assert d['restores'] >= 1 and d['accepted'] == 3000 and d['late'] == 0 and d['late_warning'] is None, d
" && ok "restarted stream: the resumed 3000 events accepted, none late, no warning" || bad "restarted stream: $(cat "$WORK/s2.json")"

# 2. A deliberate replay of the first day: every event late, and the stream says so.
produce --no-resume > "$WORK/p3.json" || bad "replay produce failed: $(tail -2 "$WORK/produce.err")"
[ -z "$(field "$WORK/p3.json" resumed_after)" ] && ok "--no-resume replays from the start" || bad "--no-resume resumed: $(cat "$WORK/p3.json")"
: > "$WORK/stream.err"
stream > "$WORK/s3.json" || bad "third stream failed (it must warn, not fail): $(tail -2 "$WORK/stream.err")"
python3 -c "
import json; d = json.load(open('$WORK/s3.json'))
w = d['late_warning'] or ''
assert d['late'] == 3000 and d['late_periods'] >= 1, d
assert 'most events are late' in w and 'restored from the state topic at' in w and 'produce' in w, w
" && ok "all-late replay: the summary warns, naming the restored watermark and the cause" || bad "no warning in the summary: $(cat "$WORK/s3.json")"
if grep -q "most events are late.*restored from the state topic at 20" "$WORK/stream.err"; then
  ok "all-late replay: a warning in the log"
else
  bad "no warning in the log: $(tail -3 "$WORK/stream.err")"
fi
finish
